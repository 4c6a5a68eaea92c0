import { expect } from 'chai';
import type { Message } from '../../lib/pulsar/received-message';
import { javaConsumeMessages } from '../../tools/java-client';
import { javaHome, sleep, uniqueTopic, until, withBroker } from './helpers';

describe('Retry letter topic and reconsumeLater against a real Pulsar broker', function () {
  this.timeout(180_000);
  const b = withBroker();

  it('a handler returning { retryLaterMs } retries through <topic>-<subscription>-RETRY with RECONSUMETIMES 1, 2, then the dead letter topic; the Java client reads both with the same properties', async function () {
    const topic = uniqueTopic('retry');
    const retry = `${topic}-billing-RETRY`;
    const dlq = `${topic}-billing-DLQ`;
    const p = await b.producer({ topics: [topic] });
    const id = await p.produceSync(topic, 'order-9', 'try me', { properties: { tenant: 'acme' } });
    const seen: Message[] = [];
    await b.consumer({
      topics: [topic],
      subscription: 'billing',
      subscriptionType: 'shared',
      enableRetry: true,
      deadLetterPolicy: { maxRedeliverCount: 2, initialSubscriptionName: 'dlq-audit' },
      handleMessages: (ms) => {
        seen.push(...(ms as Message[]));
        return { retryLaterMs: 300 };
      },
    });
    await until(() => seen.length >= 3, 60_000, 'three deliveries');
    await sleep(1500);
    // the third retry goes to the dead letter topic: no fourth delivery
    expect(seen.map((m) => [m.topic, m.properties.RECONSUMETIMES])).to.deep.equal([
      [topic, undefined],
      [retry, '1'],
      [retry, '2'],
    ]);
    const origin = `${id.ledgerId}:${id.entryId}:-1`;
    const retried = seen[1];
    expect(retried.key).to.equal('order-9');
    expect(retried.value.toString()).to.equal('try me');
    expect(retried.properties).to.deep.equal({
      tenant: 'acme',
      REAL_TOPIC: topic,
      ORIGIN_MESSAGE_ID: origin,
      RECONSUMETIMES: '1',
      DELAY_TIME: '300',
    });

    // read on the initial subscription without acknowledging, so the Java client finds it there too (an
    // entry every subscription acknowledged may be trimmed once its ledger rolls over)
    const audit = await b.consumer({ topics: [dlq], subscription: 'dlq-audit' });
    const r = await audit.receive();
    await audit.close();
    const dead = r.value as Message;
    expect(dead.value.toString()).to.equal('try me');
    // REAL_TOPIC and ORIGIN_MESSAGE_ID stay those of the first topic (putIfAbsent, as the Java client)
    expect(dead.properties).to.deep.equal({
      tenant: 'acme',
      REAL_TOPIC: topic,
      ORIGIN_MESSAGE_ID: origin,
      RECONSUMETIMES: '3',
      DELAY_TIME: '300',
    });

    const home = javaHome(this, b.broker);
    const [jr] = await javaConsumeMessages(home, b.broker.serviceUrl, retry, { count: 1, subscription: 'java-check' });
    expect(jr.key).to.equal('order-9');
    expect(jr.properties).to.deep.equal(retried.properties);
    const [jd] = await javaConsumeMessages(home, b.broker.serviceUrl, dlq, { count: 1, subscription: 'dlq-audit' });
    expect(jd.payload!.toString()).to.equal('try me');
    expect(jd.properties).to.deep.equal(dead.properties);
  });

  it('reconsumeLater(m, delayMs) from the iterator: the message comes again from the retry topic and is acknowledged on its own', async () => {
    const topic = uniqueTopic('reconsume');
    const p = await b.producer({ topics: [topic] });
    await p.produceSync(topic, 'k', 'later');
    const c = await b.consumer({ topics: [topic], subscription: 'it', subscriptionType: 'shared', enableRetry: true });
    const got: Message[] = [];
    for await (const m of c) {
      got.push(m as Message);
      if (got.length === 1) await c.reconsumeLater(m, 200);
      else {
        c.ack(m);
        break;
      }
    }
    expect(got.map((m) => [m.topic, m.value.toString(), m.properties.RECONSUMETIMES])).to.deep.equal([
      [topic, 'later', undefined],
      [`${topic}-it-RETRY`, 'later', '1'],
    ]);
  });
});

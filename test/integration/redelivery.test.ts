import { expect } from 'chai';
import type { Message } from '../../lib/pulsar/received-message';
import * as admin from '../../tools/admin';
import { javaConsumeMessages } from '../../tools/java-client';
import { javaHome, readBack, sleep, uniqueTopic, withBroker } from './helpers';

describe('Redelivery and dead letters against a real Pulsar broker', function () {
  this.timeout(120_000);
  const b = withBroker();
  const { producer, consumer } = b;

  async function until(check: () => boolean, ms: number, what: string): Promise<void> {
    const t0 = Date.now();
    while (!check()) {
      if (Date.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
      await sleep(50);
    }
  }

  it('a handler that always throws with deadLetterPolicy maxRedeliverCount 2: the message lands in <topic>-<subscription>-DLQ with its key, properties, event time, REAL_TOPIC and ORIGIN_MESSAGE_ID', async function () {
    this.timeout(180_000);
    const topic = uniqueTopic('dlq');
    const dlq = `${topic}-orders-DLQ`;
    const p = await producer({ topics: [topic] });
    const id = await p.produceSync(topic, 'order-7', 'poison', { properties: { tenant: 'acme' }, eventTime: 1_700_000_000_123 });
    const seen: number[] = [];
    const c = await consumer({
      topics: [topic],
      subscription: 'orders',
      subscriptionType: 'shared',
      negativeAckRedeliveryDelayMs: 100,
      deadLetterPolicy: { maxRedeliverCount: 2, initialSubscriptionName: 'dlq-audit' },
      handleMessages: (ms) => {
        for (const m of ms) seen.push(m.redeliveryCount);
        throw new Error('cannot process');
      },
    });
    c.on('handlerError', () => undefined);
    await until(() => seen.length >= 3, 30_000, 'three deliveries');
    // the third failure sends it to the dead letter topic instead of a fourth delivery
    await sleep(1500);
    expect(seen).to.deep.equal([0, 1, 2]);

    // cortado reads it back from the initial subscription, which existed before the first send
    const [dead] = await readBack(b.broker.serviceUrl, dlq, 1, { subscription: 'dlq-audit' });
    expect(dead.value.toString()).to.equal('poison');
    expect(dead.key).to.equal('order-7');
    expect(dead.eventTime).to.equal(1_700_000_000_123);
    expect(dead.properties).to.deep.equal({
      tenant: 'acme',
      REAL_TOPIC: topic,
      ORIGIN_MESSAGE_ID: `${id.ledgerId}:${id.entryId}:-1`,
    });

    // the Java client reads the same properties from another subscription
    const [j] = await javaConsumeMessages(javaHome(this, b.broker), b.broker.serviceUrl, dlq, { count: 1, subscription: 'java-check' });
    expect(j.payload!.toString()).to.equal('poison');
    expect(j.key).to.equal('order-7');
    expect(j.eventTime).to.equal(1_700_000_000_123);
    expect(j.properties).to.deep.equal(dead.properties);

    // acked on the original topic: nothing is left there for the subscription
    await c.close();
    const again: Message[] = [];
    const c2 = await consumer({ topics: [topic], subscription: 'orders', subscriptionType: 'shared' });
    void (async () => {
      for await (const m of c2) again.push(m);
    })();
    await sleep(1500);
    expect(again).to.deep.equal([]);
  });

  it('ackTimeoutMs redelivers a message the iterator took and never acknowledged', async () => {
    const topic = uniqueTopic('ack-timeout');
    const p = await producer({ topics: [topic] });
    await p.produceSync(topic, 'k', 'forgotten');
    await p.produceSync(topic, 'k', 'acked');
    const c = await consumer({
      topics: [topic],
      subscription: 'at',
      subscriptionType: 'shared',
      ackTimeoutMs: 1000,
      ackTimeoutTickTimeMs: 200,
    });
    const got: Array<{ v: string; count: number; at: number }> = [];
    const t0 = Date.now();
    for await (const m of c) {
      got.push({ v: m.value.toString(), count: m.redeliveryCount, at: Date.now() - t0 });
      if (m.value.toString() === 'acked' || m.redeliveryCount > 0) c.ack(m);
      if (got.length === 3) break;
    }
    expect(got.map((g) => `${g.v}:${g.count}`)).to.deep.equal(['forgotten:0', 'acked:0', 'forgotten:1']);
    expect(got[2].at - got[0].at).to.be.within(1000, 3000);
    // acknowledged now: it does not come a third time
    await sleep(2000);
    const stats = await admin.topicStats(b.broker.adminUrl, topic);
    expect((stats as { subscriptions: Record<string, { unackedMessages: number }> }).subscriptions.at.unackedMessages).to.equal(0);
  });
});

import { expect } from 'chai';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { ConfigError } from '../../../../lib/core/errors';
import type { Message } from '../../../../lib/pulsar/received-message';
import { CommandType, MessageIdData } from '../../../../protocol/pulsar/proto';
import { FakeTime, fakeTime } from '../../../support/fake-time';
import { payloadFrame } from '../../../support/scripted-frames';
import { ScriptedBroker } from '../../../support/scripted-broker';

const T = 'persistent://public/default/t';
const ids = (list: MessageIdData[]) => list.map((id) => `${id.ledgerId}:${id.entryId}`);

// The exact moments of ack timeouts, negative-ack backoff and dead letters, on the scripted broker
// with fake timers (socket I/O stays real; time moves in small steps).
describe('Consumer redelivery: ack timeout, nack backoff, dead letters (scripted broker)', function () {
  this.timeout(30_000);
  let peer: ScriptedBroker;
  let time: FakeTime;
  const open: Consumer[] = [];

  beforeEach(async () => {
    peer = await ScriptedBroker.start();
    time = fakeTime();
  });

  afterEach(async () => {
    const closing = Promise.all(open.splice(0).map((c) => c.close()));
    await time.until(() => false, 0).catch(() => undefined);
    time.restore();
    await closing;
    await peer.stop();
    expect(peer.errors).to.deep.equal([]);
  });

  async function consumer(opts: ConsumerOptions = {}): Promise<Consumer> {
    const c = new Consumer(
      {
        url: peer.url,
        topics: [T],
        subscription: 's',
        subscriptionType: 'shared',
        subscriptionInitialPosition: 'earliest',
        operationTimeoutMs: 3000,
        closeTimeoutMs: 3000,
        ...opts,
      },
      {},
    );
    open.push(c);
    let started = false;
    void c.start().then(() => (started = true));
    await time.until(() => started, 5000, 10);
    return c;
  }

  async function next(c: Consumer): Promise<Message> {
    let got: Message | undefined;
    void c.receive().then((r) => (got = r.done ? undefined : r.value));
    await time.until(() => got !== undefined, 5000, 10);
    return got!;
  }

  const redelivers = () => peer.received.filter((r) => r.command.type === CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES);

  it('ackTimeoutMs: an unacknowledged message is redelivered with REDELIVER naming exactly its id, between the timeout and one tick later', async () => {
    const c = await consumer({ ackTimeoutMs: 1000, ackTimeoutTickTimeMs: 100 });
    const [a, b] = [peer.publish(T, { value: 'a' }), peer.publish(T, { value: 'b' })];
    const got = [await next(c), await next(c)];
    const handedAt = Date.now();
    c.ack(got[0]);
    const took = await time.until(() => redelivers().length > 0, 3000, 10);
    expect(Date.now() - handedAt).to.be.within(1000, 1100 + 20);
    expect(took).to.be.greaterThan(900);
    expect(ids(redelivers()[0].command.redeliverUnacknowledgedMessages.messageIds)).to.deep.equal(ids([b]));
    const again = await next(c);
    expect(again.value.toString()).to.equal('b');
    expect(again.redeliveryCount).to.equal(1);
    // the acknowledged one went before the REDELIVER and never comes back
    expect(ids(peer.acks.flatMap((x) => x.messageIds))).to.deep.equal(ids([a]));
    c.ack(again);
    await time.run(2500, 50);
    expect(redelivers().length).to.equal(1);
  });

  it('ackTimeoutMs racing an ack: the app acks after the REDELIVER went out, and the copy the broker sends anyway is dropped and acked again', async () => {
    const c = await consumer({ ackTimeoutMs: 1000, ackTimeoutTickTimeMs: 100, ackGroupTimeMs: 0 });
    const id = peer.publish(T, { value: 'once' });
    const m = await next(c);
    // the broker takes the REDELIVER but has not sent the copy yet
    peer.once('REDELIVER_UNACKNOWLEDGED_MESSAGES', () => undefined);
    await time.until(() => redelivers().length > 0, 3000, 10);
    c.ack(m);
    await time.until(() => peer.acks.length > 0, 1000, 10);
    // it processed the REDELIVER first: the copy comes, with its redelivery count
    const entry = peer.topic(T).entries[0];
    peer.conns[0].write(
      payloadFrame(
        CommandType.MESSAGE,
        { consumerId: peer.consumers[0].id, messageId: id, redeliveryCount: 1 },
        entry.metadata,
        entry.payload,
      ),
    );
    peer.publish(T, { value: 'next' });
    expect((await next(c)).value.toString()).to.equal('next');
    await time.until(() => peer.acks.length > 1, 1000, 10);
    expect(ids(peer.acks.flatMap((x) => x.messageIds))).to.deep.equal(ids([id, id]));
  });

  it('ackTimeoutMs racing an ack still pending: the redelivered copy is dropped by the ack-grouping tracker', async () => {
    const c = await consumer({ ackTimeoutMs: 1000, ackTimeoutTickTimeMs: 100, ackGroupTimeMs: 5000 });
    peer.publish(T, { value: 'once' });
    const m = await next(c);
    await time.until(() => redelivers().length > 0, 3000, 10);
    c.ack(m);
    peer.publish(T, { value: 'next' });
    expect((await next(c)).value.toString()).to.equal('next');
  });

  it('ackTimeoutMs on an Exclusive subscription redelivers everything (REDELIVER without ids, epoch raised), as the Java client', async () => {
    const c = await consumer({ subscriptionType: 'exclusive', ackTimeoutMs: 1000, ackTimeoutTickTimeMs: 100 });
    peer.publish(T, { value: 'x' });
    await next(c);
    await time.until(() => redelivers().length > 0, 3000, 10);
    const r = redelivers()[0].command.redeliverUnacknowledgedMessages;
    expect(r.messageIds).to.deep.equal([]);
    expect(r.consumerEpoch).to.equal(1);
    expect((await next(c)).value.toString()).to.equal('x');
  });

  it('negativeAckRedeliveryBackoff: the delay is min(max, min × multiplier^redeliveryCount)', async () => {
    const c = await consumer({ negativeAckRedeliveryBackoff: { minDelayMs: 100, maxDelayMs: 1000, multiplier: 3 } });
    peer.publish(T, { value: 'x' });
    const waited: number[] = [];
    for (let i = 0; i < 4; i++) {
      const m = await next(c);
      expect(m.redeliveryCount).to.equal(i);
      const before = redelivers().length;
      c.nack(m);
      waited.push(await time.until(() => redelivers().length > before, 3000, 10));
    }
    const expected = [100, 300, 900, 1000];
    for (const [i, ms] of waited.entries()) expect(ms, `redelivery ${i}`).to.be.within(expected[i], expected[i] + 20);
  });

  it('without a backoff the fixed negativeAckRedeliveryDelayMs stays', async () => {
    const c = await consumer({ negativeAckRedeliveryDelayMs: 400 });
    peer.publish(T, { value: 'x' });
    for (let i = 0; i < 2; i++) {
      const m = await next(c);
      c.nack(m);
      const before = redelivers().length;
      expect(await time.until(() => redelivers().length > before, 3000, 10)).to.be.within(400, 420);
    }
  });

  it('deadLetterPolicy: after maxRedeliverCount failures the message goes to <topic>-<subscription>-DLQ with key, properties, event time, REAL_TOPIC and ORIGIN_MESSAGE_ID, then is acked', async () => {
    const counts: number[] = [];
    const c = await consumer({
      negativeAckRedeliveryDelayMs: 10,
      deadLetterPolicy: { maxRedeliverCount: 2, initialSubscriptionName: 'audit' },
      handleMessages: (ms) => {
        for (const m of ms) counts.push(m.redeliveryCount);
        throw new Error('always');
      },
    });
    c.on('handlerError', () => undefined);
    const id = peer.publish(T, { value: 'poison', key: 'k1', properties: { origin: 'test' }, metadata: { eventTime: 1234 } });
    const dlq = `${T}-s-DLQ`;
    await time.until(() => peer.acks.length > 0, 5000, 10);
    expect(counts).to.deep.equal([0, 1, 2]);
    // the peer logs sends by short topic name
    expect(peer.sends.map((s) => s.topic)).to.deep.equal(['t-s-DLQ']);
    const send = peer.sends[0];
    expect(send.payload.toString()).to.equal('poison');
    expect(send.metadata.partitionKey).to.equal('k1');
    expect(send.metadata.eventTime).to.equal(1234);
    const props = Object.fromEntries((send.metadata.properties ?? []).map((p) => [p.key, p.value]));
    expect(props).to.deep.equal({ origin: 'test', REAL_TOPIC: T, ORIGIN_MESSAGE_ID: `${id.ledgerId}:${id.entryId}:-1` });
    const producer = peer.received.find((r) => r.command.type === CommandType.PRODUCER)!.command.producer;
    expect(producer.topic).to.equal(dlq);
    expect(producer.initialSubscriptionName).to.equal('audit');
    // acked on the original topic, after the dead letter was stored, and not redelivered a third time
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids([id]));
    const order = peer.received.map((r) => r.command.type).filter((t) => t === CommandType.SEND || t === CommandType.ACK);
    expect(order).to.deep.equal([CommandType.SEND, CommandType.ACK]);
    expect(redelivers().length).to.equal(2);
  });

  it('deadLetterPolicy: a copy arriving past maxRedeliverCount (after a reconnect) is dead-lettered without reaching the app', async () => {
    const c = await consumer({ deadLetterPolicy: { maxRedeliverCount: 1, deadLetterTopic: 'graveyard' } });
    const id = peer.publish(T, { value: 'late' });
    await next(c);
    const entry = peer.topic(T).entries[0];
    peer.conns[0].write(
      payloadFrame(
        CommandType.MESSAGE,
        { consumerId: peer.consumers[0].id, messageId: id, redeliveryCount: 2 },
        entry.metadata,
        entry.payload,
      ),
    );
    await time.until(() => peer.acks.length > 0, 5000, 10);
    expect(peer.sends.map((s) => s.topic)).to.deep.equal(['graveyard']);
    peer.publish(T, { value: 'next' });
    expect((await next(c)).value.toString()).to.equal('next');
  });
});

describe('Consumer redelivery options', () => {
  it('ackTimeoutMs is 0 (off) or at least 1000, as the Java client requires; the tick is at least 100', () => {
    expect(() => parseConsumerConfig({ ackTimeoutMs: 500 }, {})).to.throw(ConfigError, /ackTimeoutMs.*0 \(off\) or an integer >= 1000/);
    expect(parseConsumerConfig({ ackTimeoutMs: 1000 }, {}).ackTimeoutMs).to.equal(1000);
    expect(() => parseConsumerConfig({ ackTimeoutTickTimeMs: 50 }, {})).to.throw(ConfigError, /ackTimeoutTickTimeMs/);
  });

  it('the backoff and the dead letter policy come from code or as JSON from the environment, checked', () => {
    const env = { CORTADO_DEAD_LETTER_POLICY: '{"maxRedeliverCount":3}', CORTADO_NEGATIVE_ACK_REDELIVERY_BACKOFF: '{"minDelayMs":50}' };
    const cfg = parseConsumerConfig({}, env);
    expect(cfg.deadLetterPolicy).to.deep.equal({ maxRedeliverCount: 3 });
    expect(cfg.negativeAckRedeliveryBackoff).to.deep.equal({ minDelayMs: 50, maxDelayMs: 60_000, multiplier: 2 });
    expect(() => parseConsumerConfig({ deadLetterPolicy: { maxRedeliverCount: 0 } }, {})).to.throw(ConfigError, /deadLetterPolicy/);
    expect(() => parseConsumerConfig({ negativeAckRedeliveryBackoff: { minDelayMs: 500, maxDelayMs: 100 } }, {})).to.throw(
      ConfigError,
      /maxDelayMs must be at least minDelayMs/,
    );
    expect(() => parseConsumerConfig({ deadLetterPolicy: { maxRedeliverCount: 1 } }, { CORTADO_URL: 'kafka://127.0.0.1:9092' })).to.throw(
      ConfigError,
      /deadLetterPolicy/,
    );
  });
});

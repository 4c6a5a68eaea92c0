import { expect } from 'chai';
import '../../../../lib';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { ConfigError, InvalidArgumentError } from '../../../../lib/core/errors';
import type { Message } from '../../../../lib/core/received-message';
import { CommandType, MessageIdData } from '../../../../protocol/pulsar/proto';
import { ScriptedBroker, SendRecord, ServerError } from '../../../support/scripted-broker';
import { ScriptedConsumers } from '../../../support/scripted-consumers';

const T = 'persistent://public/default/t';
const ids = (list: MessageIdData[]) => list.map((id) => `${id.ledgerId}:${id.entryId}`);
const propsOf = (s: SendRecord) => Object.fromEntries((s.metadata.properties ?? []).map((p) => [p.key, p.value]));

describe('Retry letters: enableRetry and reconsumeLater (scripted broker)', function () {
  this.timeout(20_000);
  let peer: ScriptedBroker;
  const consumers = new ScriptedConsumers({
    topics: [T],
    subscriptionType: 'shared',
    enableRetry: true,
    operationTimeoutMs: 2000,
    closeTimeoutMs: 2000,
    ackGroupTimeMs: 0,
  });

  beforeEach(async () => {
    peer = await ScriptedBroker.start();
  });

  afterEach(() => consumers.end(peer));

  const consumer = (opts: ConsumerOptions = {}): Promise<Consumer> => consumers.start(peer, opts);

  async function next(c: Consumer): Promise<Message> {
    const r = await c.receive();
    if (r.done) throw new Error('the consumer closed');
    return r.value;
  }

  it('subscribes <topic>-<subscription>-RETRY too; reconsumeLater writes RECONSUMETIMES 1, DELAY_TIME, REAL_TOPIC, ORIGIN_MESSAGE_ID and a deliver-at time there, keeps the key, then acks', async () => {
    const c = await consumer();
    expect(peer.consumers.map((r) => r.topic).sort()).to.deep.equal(['t', 't-s-RETRY']);
    const id = peer.publish(T, { value: 'v', key: 'k1', properties: { a: '1' } });
    const m = await next(c);
    const before = Date.now();
    await c.reconsumeLater(m, 5000);
    const after = Date.now();
    expect(peer.sends.map((s) => s.topic)).to.deep.equal(['t-s-RETRY']);
    const send = peer.sends[0];
    expect(send.payload.toString()).to.equal('v');
    expect(send.metadata.partitionKey).to.equal('k1');
    expect(propsOf(send)).to.deep.equal({
      a: '1',
      REAL_TOPIC: T,
      ORIGIN_MESSAGE_ID: `${id.ledgerId}:${id.entryId}:-1`,
      RECONSUMETIMES: '1',
      DELAY_TIME: '5000',
    });
    expect(send.metadata.deliverAtTime).to.be.within(before + 5000, after + 5000);
    await peer.waitUntil(() => peer.acks.length > 0);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids([id]));
    const order = peer.received.map((r) => r.command.type).filter((t) => t === CommandType.SEND || t === CommandType.ACK);
    expect(order).to.deep.equal([CommandType.SEND, CommandType.ACK]);
  });

  it('past maxRedeliverCount it goes to the dead letter topic at once (no deliver-at), keeping the first REAL_TOPIC and ORIGIN_MESSAGE_ID', async () => {
    const c = await consumer({ deadLetterPolicy: { maxRedeliverCount: 2, retryLetterTopic: 'again', initialSubscriptionName: 'audit' } });
    expect(peer.consumers.map((r) => r.topic).sort()).to.deep.equal(['again', 't']);
    const first = { REAL_TOPIC: 'persistent://public/default/first', ORIGIN_MESSAGE_ID: '1:2:-1', RECONSUMETIMES: '2' };
    peer.publish('again', { value: 'tired', properties: first });
    const m = await next(c);
    await c.reconsumeLater(m, 100);
    expect(peer.sends.map((s) => s.topic)).to.deep.equal(['t-s-DLQ']);
    expect(propsOf(peer.sends[0])).to.deep.equal({ ...first, RECONSUMETIMES: '3', DELAY_TIME: '100' });
    expect(peer.sends[0].metadata.deliverAtTime ?? 0).to.equal(0);
    const producer = peer.received.find((r) => r.command.type === CommandType.PRODUCER)!.command.producer;
    expect(producer.initialSubscriptionName).to.equal('audit');
  });

  it('a handler returning { retryLaterMs } reconsumes its whole batch later', async () => {
    await consumer({ handleMessages: () => ({ retryLaterMs: 250 }) });
    peer.publish(T, { value: 'x' });
    peer.publish(T, { value: 'y' });
    // the peer ignores deliver-at: the letters come straight back and are retried again, so look at the first two
    await peer.waitUntil(() => peer.sends.length >= 2 && peer.acks.flatMap((a) => a.messageIds).length >= 2);
    expect(peer.sends.slice(0, 2).map((s) => [s.topic, s.payload.toString(), propsOf(s).DELAY_TIME])).to.deep.equal([
      ['t-s-RETRY', 'x', '250'],
      ['t-s-RETRY', 'y', '250'],
    ]);
  });

  it('a retry letter that cannot be sent rejects reconsumeLater, is not acknowledged and comes again (nack)', async () => {
    peer.on('PRODUCER', (_cmd, reply) => reply.error(ServerError.AuthorizationError, 'no produce permission'));
    const c = await consumer({ negativeAckRedeliveryDelayMs: 10 });
    const id = peer.publish(T, { value: 'v' });
    const m = await next(c);
    const err = await c.reconsumeLater(m, 10).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/no produce permission/);
    await peer.waitFor('REDELIVER_UNACKNOWLEDGED_MESSAGES');
    expect(
      ids(
        peer.received.find((r) => r.command.type === CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES)!.command.redeliverUnacknowledgedMessages
          .messageIds,
      ),
    ).to.deep.equal(ids([id]));
    expect(peer.acks).to.deep.equal([]);
  });

  it('reconsumeLater without enableRetry, or with a bad delay, is an InvalidArgumentError saying what to set', async () => {
    const c = await consumer({ enableRetry: false });
    peer.publish(T, { value: 'v' });
    const m = await next(c);
    await c.reconsumeLater(m, 10).then(
      () => expect.fail('should reject'),
      (e: unknown) => {
        expect(e).to.be.instanceOf(InvalidArgumentError);
        expect((e as Error).message).to.match(/enableRetry: true/);
      },
    );
    await c.reconsumeLater(m, -1).then(
      () => expect.fail('should reject'),
      (e: unknown) => expect((e as Error).message).to.match(/delayMs must be an integer >= 0/),
    );
  });

  it('enableRetry needs topics: with topicsPattern it is a ConfigError', () => {
    expect(() => new Consumer({ url: peer.url, topicsPattern: 'b-.*', enableRetry: true }, {}))
      .to.throw(ConfigError, /enableRetry needs topics/)
      .with.property('option', 'enableRetry');
  });
});

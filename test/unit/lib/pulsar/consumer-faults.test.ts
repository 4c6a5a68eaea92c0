import { expect } from 'chai';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { AuthorizationError, BrokerError, CortadoError, HandlerTimeoutError } from '../../../../lib/core/errors';
import type { Message } from '../../../../lib/pulsar/received-message';
import { encodeBatch } from '../../../../protocol/pulsar/batch';
import { CommandType, encodeMessageMetadata, MessageIdData } from '../../../../protocol/pulsar/proto';
import { payloadFrame } from '../../../support/scripted-frames';
import { brokerFrames, ScriptedBroker, ServerError } from '../../../support/scripted-broker';
import { ScriptedConsumers } from '../../../support/scripted-consumers';

const T = 'persistent://public/default/t';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (list: MessageIdData[]) => list.map((id) => `${id.ledgerId}:${id.entryId}`);

// Regression tests for the consumer's fault handling, each named after the defect it pins, on a
// scripted broker peer that drops connections and answers at the exact moment a test needs.
describe('Consumer faults (scripted broker)', function () {
  this.timeout(20_000);
  let peer: ScriptedBroker;
  const consumers = new ScriptedConsumers({ topics: [T] });

  beforeEach(async () => {
    peer = await ScriptedBroker.start();
  });

  afterEach(() => consumers.end(peer));

  const consumer = (opts: ConsumerOptions = {}): Promise<Consumer> => consumers.start(peer, opts);
  /** The next message, or undefined when none comes within `ms`. */
  const next = (c: Consumer, ms = 3000): Promise<Message | undefined> => c.receiveWithin(ms);

  const subscribesOn = (conn: number) => peer.received.filter((r) => r.connection === conn && r.command.type === CommandType.SUBSCRIBE);
  const flowsOn = (conn: number) =>
    peer.received
      .filter((r) => r.connection === conn && r.command.type === CommandType.FLOW)
      .map((r) => r.command.flow.messagePermits as number);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  it('defect 1 (consumer): a connection closing while SUBSCRIBE is pending starts one reconnect, and the consumer still receives', async () => {
    const c = await consumer();
    // the resubscribe's connection dies before the broker answers
    peer.once('SUBSCRIBE', (_cmd, _reply, conn) => conn.destroy());
    peer.closeAll();
    await peer.waitUntil(() => peer.consumers.length === 1 && peer.count('SUBSCRIBE') >= 3);
    await sleep(1500); // room for a second loop to show itself
    expect(peer.consumers.length).to.equal(1);
    expect(peer.count('SUBSCRIBE')).to.equal(3);
    expect(peer.count('CLOSE_CONSUMER')).to.equal(0);
    peer.publish(T, { value: 'after' });
    expect((await next(c))?.value.toString()).to.equal('after');
  });

  it('defect 1 (consumer): CLOSE_CONSUMER in the same read as the SUBSCRIBE success does not leave a dead ready consumer', async () => {
    const c = await consumer();
    peer.once('SUBSCRIBE', (cmd, reply) => reply.andThen(brokerFrames.closeConsumer(cmd.subscribe.consumerId)).ok());
    peer.closeAll();
    await peer.waitUntil(() => peer.count('SUBSCRIBE') >= 3 && peer.consumers.length === 1);
    await sleep(500);
    expect(peer.count('SUBSCRIBE')).to.equal(3);
    peer.publish(T, { value: 'after' });
    expect((await next(c))?.value.toString()).to.equal('after');
  });

  it('defect 4/5 (consumer): start() retries a transient SUBSCRIBE error and fails at once, typed, on a terminal one', async () => {
    peer.once('SUBSCRIBE', (_cmd, reply) => reply.error(ServerError.ServiceNotReady));
    peer.once('SUBSCRIBE', (_cmd, reply) => reply.error(ServerError.TooManyRequests));
    const c = await consumer();
    expect(peer.count('SUBSCRIBE')).to.equal(3);
    await c.close();

    peer.on('SUBSCRIBE', (_cmd, reply) => reply.error(ServerError.AuthorizationError, 'not yours'));
    const before = peer.count('SUBSCRIBE');
    const err = await consumer({ subscription: 'denied' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthorizationError);
    expect((err as CortadoError).code).to.equal('AUTHORIZATION');
    expect(peer.count('SUBSCRIBE') - before).to.equal(1);
  });

  it('defect 4 (consumer): a terminal error on resubscribe ends the partition with a typed error instead of retrying forever', async () => {
    const c = await consumer();
    const failed = new Promise<CortadoError>((r) => c.once('partitionFailed', r));
    peer.on('SUBSCRIBE', (_cmd, reply) => reply.error(ServerError.TopicNotFound, 'deleted'));
    peer.closeAll();
    const err = await failed;
    expect(err).to.be.instanceOf(BrokerError);
    const n = peer.count('SUBSCRIBE');
    await sleep(800);
    expect(peer.count('SUBSCRIBE')).to.equal(n);
  });

  it('defect 7: acks made while reconnecting are flushed after the resubscribe and nothing acknowledged is handed over again', async () => {
    const c = await consumer();
    const published = [0, 1, 2].map((i) => peer.publish(T, { value: `m${i}` }));
    const got = [await next(c), await next(c), await next(c)];
    expect(got.map((m) => m?.value.toString())).to.deep.equal(['m0', 'm1', 'm2']);
    // the resubscribe is answered late, so the acks below are made while the consumer reconnects
    peer.once('SUBSCRIBE', (_cmd, reply) => reply.delay(400).ok());
    peer.closeAll();
    await peer.waitUntil(() => subscribesOn(2).length > 0);
    for (const m of got) c.ack(m!);
    await peer.waitUntil(() => peer.acks.length > 0);
    expect(peer.acks[0].connection).to.equal(2);
    expect(ids(peer.acks.flatMap((a) => a.messageIds)).sort()).to.deep.equal(ids(published).sort());
    peer.publish(T, { value: 'm3' });
    expect((await next(c))?.value.toString()).to.equal('m3');
  });

  it('defect 7: a redelivered copy of a message whose ack is pending is not handed to the app again', async () => {
    const c = await consumer({ ackGroupTimeMs: 1000 });
    peer.publish(T, { value: 'once' });
    const m = await next(c);
    c.ack(m!);
    // the broker sends the entry again before it has the ack
    const sub = peer.topic(T).subscriptions.get('s')!;
    sub.redeliver(peer.consumers[0], []);
    sub.dispatch();
    peer.publish(T, { value: 'next' });
    expect((await next(c))?.value.toString()).to.equal('next');
  });

  it('defect 24: an ack sent just before the connection closes and lost with it: the redelivered copy is not handed over again, and the ack goes again', async () => {
    const c = await consumer({ ackGroupTimeMs: 0 });
    const id = peer.publish(T, { value: 'once' });
    const m = await next(c);
    // the broker closed the consumer before it read the ack (an unload): the ack is dropped
    peer.once('ACK', () => undefined);
    c.ack(m!);
    await peer.waitUntil(() => peer.acks.length > 0);
    peer.closeAll();
    // the resubscribe gets the unacknowledged entry again
    await peer.waitUntil(() => subscribesOn(2).length > 0);
    await peer.waitUntil(() => peer.acks.length > 1);
    expect(peer.acks[1].connection).to.equal(2);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids([id, id]));
    peer.publish(T, { value: 'next' });
    expect((await next(c))?.value.toString()).to.equal('next');
    // the broker has the ack now: the entry is neither held nor waiting
    const sub = peer.topic(T).subscriptions.get('s')!;
    const held = [...[...sub.unacked.values()].map((u) => u.entry), ...sub.pending].map((e) => `${e.ledgerId}:${e.entryId}`);
    expect(held).to.not.include(ids([id])[0]);
  });

  it('defect 24: a copy the broker dispatched while our ack was on its way, arriving after the ack went out, is not handed over again', async () => {
    const c = await consumer({ ackGroupTimeMs: 0 });
    const id = peer.publish(T, { value: 'once' });
    const m = await next(c);
    // the broker wrote the entry again (a redelivery) just before it read our ack
    peer.once('ACK', (cmd, _reply, conn) => {
      const entry = peer.topic(T).entries[0];
      conn.write(
        payloadFrame(
          CommandType.MESSAGE,
          { consumerId: cmd.ack.consumerId, messageId: id, redeliveryCount: 1 },
          entry.metadata,
          entry.payload,
        ),
      );
      peer.topic(T).subscriptions.get('s')!.ack(cmd.ack.messageId, false);
    });
    c.ack(m!);
    await peer.waitUntil(() => peer.acks.length > 0);
    peer.publish(T, { value: 'next' });
    expect((await next(c))?.value.toString()).to.equal('next');
    expect(await next(c, 300)).to.equal(undefined);
  });

  it('defect 7: messages of a batch acknowledged before a reconnect are not handed over again with the redelivered batch', async () => {
    const c = await consumer();
    peer.publishBatch(T, [{ value: 'b0' }, { value: 'b1' }, { value: 'b2' }]);
    const first = await next(c);
    expect(first?.value.toString()).to.equal('b0');
    c.ack(first!);
    peer.closeAll();
    const again = [await next(c), await next(c)];
    expect(again.map((m) => m?.value.toString())).to.deep.equal(['b1', 'b2']);
    for (const m of again) c.ack(m!);
    await peer.waitUntil(() => peer.acks.length > 0);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(['1:0']);
  });

  it('sends grouped acks before a redeliver-all so acknowledged messages do not come back', async () => {
    const c = await consumer({ ackGroupTimeMs: 5000, negativeAckRedeliveryDelayMs: 10 });
    peer.publish(T, { value: 'a' });
    peer.publish(T, { value: 'b' });
    const [a, b] = [await next(c), await next(c)];
    c.ack(a!);
    c.nack(b!);
    await peer.waitFor('REDELIVER_UNACKNOWLEDGED_MESSAGES');
    const order = peer.received
      .map((r) => r.command.type)
      .filter((t) => t === CommandType.ACK || t === CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES);
    expect(order).to.deep.equal([CommandType.ACK, CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES]);
    expect((await next(c))?.value.toString()).to.equal('b');
  });

  it('defect 8: a chunked message with more chunks than receiverQueueSize completes', async () => {
    const c = await consumer({ receiverQueueSize: 4 });
    const value = 'abcdefghij'.repeat(100);
    const chunkIds = peer.publishChunked(T, value, 10);
    const m = await next(c);
    expect(m?.value.toString()).to.equal(value);
    c.ack(m!);
    await peer.waitUntil(() => peer.acks.length > 0);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids(chunkIds));
  });

  it('defect 8: an incomplete chunked message expires on a timer, without another chunk arriving', async () => {
    const c = await consumer({ chunkExpireMs: 300 });
    const skipped = new Promise<string>((r) => c.once('skip', r));
    const md = { uuid: 'lost', numChunksFromMsg: 3, totalChunkMsgSize: 6, uncompressedSize: 6 };
    const first = [0, 1].map((chunkId) => peer.publish(T, { value: 'ab', metadata: { ...md, chunkId } }));
    expect(await skipped).to.match(/did not complete within 300 ms/);
    await peer.waitUntil(() => peer.acks.length > 0);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids(first));
  });

  it('defect 15 (consumer): SUBSCRIBE carries consumer_epoch, and a redeliver-all raises it for the resubscribe', async () => {
    const c = await consumer({ negativeAckRedeliveryDelayMs: 10 });
    expect(subscribesOn(1)[0].command.subscribe.consumerEpoch).to.equal(0);
    expect(Object.prototype.hasOwnProperty.call(subscribesOn(1)[0].command.subscribe, 'consumerEpoch')).to.equal(true);
    peer.publish(T, { value: 'x' });
    c.nack((await next(c))!);
    await peer.waitFor('REDELIVER_UNACKNOWLEDGED_MESSAGES');
    expect((await next(c))?.value.toString()).to.equal('x');
    peer.closeAll();
    await peer.waitUntil(() => subscribesOn(2).length > 0);
    expect(subscribesOn(2)[0].command.subscribe.consumerEpoch).to.equal(1);
  });

  it('defect 15 (consumer): a stale batched entry returns one permit per message, not one', async () => {
    const c = await consumer({ receiverQueueSize: 10, negativeAckRedeliveryDelayMs: 10 });
    peer.publish(T, { value: 'x' });
    c.nack((await next(c))!);
    await peer.waitFor('REDELIVER_UNACKNOWLEDGED_MESSAGES');
    expect((await next(c))?.value.toString()).to.equal('x');
    const flows = flowsOn(1).length;
    // a batch of 6 dispatched before the redeliver-all (epoch 0) reaches the consumer after it
    const body = encodeBatch(
      [0, 1, 2, 3, 4, 5].map((i) => ({ metadata: { payloadSize: 1, sequenceId: i }, payload: Buffer.from(String(i)) })),
    );
    const metadata = encodeMessageMetadata({ producerName: 'p', sequenceId: 0, publishTime: 1, numMessagesInBatch: 6 });
    const consumerId = peer.consumers[0].id;
    peer.conns[0].write(
      payloadFrame(CommandType.MESSAGE, { consumerId, messageId: { ledgerId: 9, entryId: 0 }, consumerEpoch: 0 }, metadata, body),
    );
    await peer.waitUntil(() => flowsOn(1).length > flows);
    // the two copies of 'x' the app took, and six for the stale batch
    expect(flowsOn(1).slice(flows)).to.deep.equal([2 + 6]);
  });

  it('defect 15 (consumer): a batched entry failing its checksum returns one permit per message', async () => {
    const c = await consumer({ receiverQueueSize: 8 });
    const skipped = new Promise<string>((r) => c.once('skip', r));
    await peer.waitUntil(() => flowsOn(1).length > 0);
    const flows = flowsOn(1).length;
    const body = encodeBatch([0, 1, 2, 3].map((i) => ({ metadata: { payloadSize: 1 }, payload: Buffer.from(String(i)) })));
    peer.publish(T, { value: body, corrupt: true, metadata: { numMessagesInBatch: 4 } });
    expect(await skipped).to.match(/CRC-32C/);
    await peer.waitUntil(() => flowsOn(1).length > flows);
    expect(flowsOn(1).slice(flows)).to.deep.equal([4]);
  });

  it('defect 15 (consumer): permits of messages from a lost connection are not given to the new one', async () => {
    const c = await consumer({ receiverQueueSize: 10 });
    for (let i = 0; i < 6; i++) peer.publish(T, { value: `m${i}` });
    await peer.waitUntil(() => peer.topic(T).subscriptions.get('s')!.unacked.size === 6);
    await sleep(100); // the six reach the consumer's queue, unread
    peer.closeAll();
    await peer.waitUntil(() => flowsOn(2).length > 0);
    // the app reads on: the six old copies are dropped, the first redelivered one is handed over
    expect((await next(c))?.value.toString()).to.equal('m0');
    await sleep(100);
    expect(sum(flowsOn(2))).to.equal(10);
  });

  it('defect 6: close() waits for a running handler and flushes its acks before closing', async () => {
    let finished = false;
    const c = await consumer({
      handleMessages: async () => {
        await sleep(400);
        finished = true;
      },
    });
    const id = peer.publish(T, { value: 'slow' });
    await peer.waitUntil(() => peer.topic(T).subscriptions.get('s')!.unacked.size === 1);
    await sleep(50);
    await c.close();
    expect(finished).to.equal(true);
    expect(ids(peer.acks.flatMap((a) => a.messageIds))).to.deep.equal(ids([id]));
    const order = peer.received.map((r) => r.command.type).filter((t) => t === CommandType.ACK || t === CommandType.CLOSE_CONSUMER);
    expect(order).to.deep.equal([CommandType.ACK, CommandType.CLOSE_CONSUMER]);
  });

  it('defect 6: close() gives up on a handler after closeTimeoutMs, aborts its signal and leaves its messages unacknowledged', async () => {
    let aborted: unknown;
    let started = false;
    const c = await consumer({
      closeTimeoutMs: 300,
      handleMessages: (_ms, signal) => {
        started = true;
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => ((aborted = signal.reason), resolve())));
      },
    });
    peer.publish(T, { value: 'stuck' });
    await peer.waitUntil(() => started);
    await c.close();
    expect(aborted).to.be.instanceOf(CortadoError);
    expect((aborted as CortadoError).code).to.equal('CLOSED');
    await sleep(50);
    expect(peer.acks).to.deep.equal([]);
    expect(peer.count('CLOSE_CONSUMER')).to.equal(1);
  });

  it('defect 6: a timed-out handler gets its signal aborted and does not overlap the next batch of its partition', async () => {
    const events: string[] = [];
    let reason: unknown;
    const c = await consumer({
      handlerTimeoutMs: 200,
      maxHandlerBatch: 1,
      negativeAckRedeliveryDelayMs: 60_000,
      handleMessages: async (ms, signal) => {
        const v = ms[0].value.toString();
        events.push(`start ${v}`);
        if (v === 'first') {
          signal.addEventListener('abort', () => (reason = signal.reason));
          await sleep(350);
        }
        events.push(`end ${v}`);
      },
    });
    const errors: Error[] = [];
    c.on('handlerError', (e: Error) => errors.push(e));
    peer.publish(T, { value: 'first' });
    peer.publish(T, { value: 'second' });
    await peer.waitUntil(() => events.includes('end second'));
    expect(events).to.deep.equal(['start first', 'end first', 'start second', 'end second']);
    expect(reason).to.be.instanceOf(HandlerTimeoutError);
    expect(errors[0]).to.be.instanceOf(HandlerTimeoutError);
  });
});

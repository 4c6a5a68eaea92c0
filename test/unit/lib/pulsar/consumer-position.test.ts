import { expect } from 'chai';
import * as pb from 'protobufjs/minimal';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { InvalidArgumentError } from '../../../../lib/core/errors';
import { MessageId } from '../../../../lib/pulsar/message-id';
import { Reader } from '../../../../lib/pulsar/reader';
import type { Message } from '../../../../lib/pulsar/received-message';
import { encodeBatch } from '../../../../protocol/pulsar/batch';
import { CommandType, decodeMessageMetadata, encodeMessageMetadata } from '../../../../protocol/pulsar/proto';
import { payloadFrame } from '../../../support/scripted-frames';
import { ScriptedBroker } from '../../../support/scripted-broker';
import { ScriptedConsumers } from '../../../support/scripted-consumers';

const T = 'persistent://public/default/t';
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

// Seek, pause/resume, last message id and batch-index acks at the exact moments a real broker
// cannot be made to produce on demand, against the scripted broker peer.
describe('Consumer position (scripted broker)', function () {
  this.timeout(20_000);
  let peer: ScriptedBroker;
  const consumers = new ScriptedConsumers({ topics: [T], operationTimeoutMs: 5000 });

  beforeEach(async () => {
    peer = await ScriptedBroker.start({ partitions: { p3: 3 } });
  });

  afterEach(() => consumers.end(peer));

  const consumer = (opts: ConsumerOptions = {}): Promise<Consumer> => consumers.start(peer, opts);

  const next = (c: Consumer, ms = 3000): Promise<Message | undefined> => c.receiveWithin(ms);
  const values = async (c: Consumer, n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await next(c))?.value.toString() ?? '(none)');
    return out;
  };

  // SEEK as a broker answers it: CLOSE_CONSUMER first (unless told not to), the cursor moved, then SUCCESS.
  function brokerLikeSeek(closeFirst = true): void {
    peer.on('SEEK', (cmd, reply, conn) => {
      const s = cmd.seek;
      const c = conn.consumers.get(s.consumerId);
      if (!c) return reply.ok();
      const topic = peer.topic(c.topic);
      const sub = topic.subscriptions.get(c.subscription)!;
      const from = hasOwn(s, 'messageId')
        ? topic.entries.filter((e) => e.entryId >= s.messageId.entryId)
        : topic.entries.filter((e) => decodeMessageMetadata(e.metadata).publishTime >= s.messagePublishTime);
      if (closeFirst) conn.write(peer.closeConsumerFrame(conn, s.consumerId));
      sub.unacked.clear();
      sub.pending.splice(0, sub.pending.length, ...from);
      reply.ok();
      sub.dispatch();
    });
  }

  const order = () => peer.received.map((r) => CommandType[r.command.type]);

  it('a seek during a reconnect waits for the resubscribe, and messages received before it are not handed over after it', async () => {
    brokerLikeSeek();
    const c = await consumer();
    const first = peer.publish(T, { value: 'm0' });
    peer.publish(T, { value: 'm1' });
    peer.publish(T, { value: 'm2' });
    // m0 taken; m1 and m2 wait in the consumer
    expect((await next(c))?.value.toString()).to.equal('m0');
    peer.closeAll();
    const seeking = c.seek(new MessageId(T, 0, first.ledgerId, first.entryId));
    await seeking;
    const cmds = order();
    // the SEEK went out once the consumer was subscribed again after the drop
    const subscribes = cmds.flatMap((x, i) => (x === 'SUBSCRIBE' ? [i] : []));
    expect(cmds.indexOf('SEEK')).to.be.greaterThan(subscribes[1]);
    expect(cmds.filter((x) => x === 'SUBSCRIBE').length).to.be.at.least(3); // first, after the drop, after the seek
    // read again from m0, once each: the copies received before the seek are dropped
    expect(await values(c, 3)).to.deep.equal(['m0', 'm1', 'm2']);
    expect(await next(c, 500)).to.equal(undefined);
  });

  it('a seek whose connection drops while it is in flight is asked again on the next connection', async () => {
    const c = await consumer();
    const first = peer.publish(T, { value: 'a' });
    peer.publish(T, { value: 'b' });
    expect(await values(c, 2)).to.deep.equal(['a', 'b']);
    peer.once('SEEK', (_cmd, reply) => reply.destroy());
    brokerLikeSeek();
    await c.seek(new MessageId(T, 0, first.ledgerId, first.entryId));
    expect(peer.count('SEEK')).to.equal(2);
    expect(await values(c, 2)).to.deep.equal(['a', 'b']);
  });

  it('a broker that answers SEEK without closing the consumer: the consumer subscribes again, so nothing from before the reset is handed over', async () => {
    brokerLikeSeek(false);
    const c = await consumer({ receiverQueueSize: 10 });
    const first = peer.publish(T, { value: 'x0' });
    peer.publish(T, { value: 'x1' });
    expect((await next(c))?.value.toString()).to.equal('x0');
    await c.seek(new MessageId(T, 0, first.ledgerId, first.entryId));
    expect(peer.count('CLOSE_CONSUMER')).to.equal(1);
    expect(await values(c, 2)).to.deep.equal(['x0', 'x1']);
    expect(await next(c, 500)).to.equal(undefined);
  });

  it('seek by time goes to every partition, seek by id to its partition only; bad targets are typed errors naming what is allowed', async () => {
    brokerLikeSeek();
    const c = await consumer({ topics: ['p3'] });
    await c.seek(new Date(Date.now() - 60_000));
    const times = peer.received.filter((r) => r.command.type === CommandType.SEEK);
    expect(times).to.have.length(3);
    for (const r of times) expect(r.command.seek.messagePublishTime).to.be.greaterThan(0);
    await c.seek(new MessageId('p3', 1, 1, 0));
    const byId = peer.received.filter((r) => r.command.type === CommandType.SEEK).slice(3);
    expect(byId).to.have.length(1);
    const topicOf = (consumerId: number) =>
      peer.received.find((r) => r.command.type === CommandType.SUBSCRIBE && r.command.subscribe.consumerId === consumerId)!.command
        .subscribe.topic;
    expect(topicOf(byId[0].command.seek.consumerId)).to.match(/p3-partition-1$/);
    await expectRejected(c.seek(-5), InvalidArgumentError, /epoch ms/);
    await expectRejected(c.seek(new MessageId('p3', 7, 1, 0)), InvalidArgumentError, /p3#0, p3#1, p3#2/);
    await expectRejected(c.seek(new MessageId('other', 0, 1, 0)), InvalidArgumentError, /does not read/);
  });

  it('pause holds the flow permits the app frees, resume sends them', async () => {
    const c = await consumer({ receiverQueueSize: 4 });
    const flows = () => peer.received.filter((r) => r.command.type === CommandType.FLOW).map((r) => r.command.flow.messagePermits);
    await peer.waitFor('FLOW');
    expect(flows()).to.deep.equal([4]);
    c.pause();
    for (let i = 0; i < 6; i++) peer.publish(T, { value: `p${i}` });
    // the 4 permitted arrive and are handed over while paused; no FLOW asks for more
    expect(await values(c, 4)).to.deep.equal(['p0', 'p1', 'p2', 'p3']);
    expect(await next(c, 500)).to.equal(undefined);
    expect(flows()).to.deep.equal([4]);
    c.resume();
    expect(await values(c, 2)).to.deep.equal(['p4', 'p5']);
    expect(flows()).to.deep.equal([4, 4]);
  });

  it('a consumer paused across a reconnect holds the whole queue of permits until resume', async () => {
    const c = await consumer({ receiverQueueSize: 5 });
    c.pause();
    peer.closeAll();
    await peer.waitUntil(() => peer.count('SUBSCRIBE') === 2 && peer.consumers.length === 1);
    peer.publish(T, { value: 'held' });
    expect(await next(c, 500)).to.equal(undefined);
    expect(peer.received.filter((r) => r.connection === 2 && r.command.type === CommandType.FLOW)).to.have.length(0);
    c.resume();
    expect((await next(c))?.value.toString()).to.equal('held');
  });

  it('getLastMessageId reads the broker answer; an empty topic (uint64 -1) is entryId -1', async () => {
    const c = await consumer();
    const empty = (await c.getLastMessageId()) as MessageId;
    expect([empty.ledgerId, empty.entryId]).to.deep.equal([-1, -1]);
    const id = peer.publish(T, { value: 'v' });
    const last = (await c.getLastMessageId()) as MessageId;
    expect([last.topic, last.partition, last.ledgerId, last.entryId]).to.deep.equal([T, 0, id.ledgerId, id.entryId]);
  });

  it('batchIndexAckEnabled: acking part of a batch sends an ack set of the indexes still unacknowledged; the last ack goes without one', async () => {
    const c = await consumer({ batchIndexAckEnabled: true, ackGroupTimeMs: 0 });
    peer.publishBatch(
      T,
      ['b0', 'b1', 'b2', 'b3', 'b4'].map((value) => ({ value })),
    );
    const got: Message[] = [];
    for (let i = 0; i < 5; i++) got.push((await next(c))!);
    c.ack(got[1]);
    c.ack(got[3]);
    await peer.waitUntil(() => peer.acks.length >= 1);
    const first = peer.acks[0].messageIds[0];
    expect(first.ackSet).to.deep.equal([0b10101n]);
    for (const i of [0, 2, 4]) c.ack(got[i]);
    await peer.waitUntil(() => peer.acks.some((a) => a.messageIds.some((m) => !m.ackSet || m.ackSet.length === 0)));
    const whole = peer.acks.flatMap((a) => a.messageIds).find((m) => !m.ackSet || m.ackSet.length === 0)!;
    expect([whole.ledgerId, whole.entryId]).to.deep.equal([first.ledgerId, first.entryId]);
  });

  it('a batch redelivered with the broker ack set hands over only the indexes it names', async () => {
    const c = await consumer({ receiverQueueSize: 10 });
    const parts = ['r0', 'r1', 'r2', 'r3'].map((v) => ({ metadata: { payloadSize: 2 }, payload: Buffer.from(v) }));
    const md = encodeMessageMetadata({ producerName: 'p', sequenceId: 0, publishTime: Date.now(), numMessagesInBatch: 4 });
    const sub = peer.consumers[0];
    // indexes 1 and 2 still unacknowledged on the broker
    sub.conn.write(
      payloadFrame(
        CommandType.MESSAGE,
        { consumerId: sub.id, messageId: { ledgerId: 9, entryId: 0 }, ackSet: [0b0110] },
        md,
        encodeBatch(parts),
      ),
    );
    expect(await values(c, 2)).to.deep.equal(['r1', 'r2']);
    expect(await next(c, 300)).to.equal(undefined);
  });

  it('defect: ack set words decoded as JS numbers lost their bits past 2^53, so a 64-message batch redelivered with indexes 1, 55 and 63 unacknowledged lost index 1', async () => {
    const c = await consumer({ receiverQueueSize: 100 });
    const parts = Array.from({ length: 64 }, (_, i) => ({ metadata: { payloadSize: 3 }, payload: Buffer.from(`r${i}`.padEnd(3)) }));
    const md = encodeMessageMetadata({ producerName: 'p', sequenceId: 0, publishTime: Date.now(), numMessagesInBatch: 64 });
    const sub = peer.consumers[0];
    // one word with bits 1, 55 and 63 set: as a JS number (-2^63 + 2^55 + 2) it rounds to a multiple of 2^10, dropping bit 1
    const word = { low: 1 << 1, high: (1 << 23) | (1 << 31) };
    sub.conn.write(
      payloadFrame(
        CommandType.MESSAGE,
        { consumerId: sub.id, messageId: { ledgerId: 9, entryId: 1 }, ackSet: [word] },
        md,
        encodeBatch(parts),
      ),
    );
    expect((await values(c, 3)).map((v) => v.trim())).to.deep.equal(['r1', 'r55', 'r63']);
    expect(await next(c, 300)).to.equal(undefined);
  });

  it('defect: loading cortado turned off the Long support of the protobufjs it shares, so any other protobufjs user in the process read int64 fields as lossy numbers', () => {
    // the library is loaded by the imports above; protobufjs still has Long and still decodes int64 as Long
    expect(pb.util.Long, 'util.Long').to.not.equal(undefined);
    const bytes = pb.Writer.create().uint32(8).int64('9007199254740993').finish();
    const r = pb.Reader.create(bytes);
    r.uint32();
    expect(String(r.int64())).to.equal('9007199254740993');
  });

  it('defect: a receiveWithin that timed out swallowed the next message; now it leaves the line and a later receive gets it', async () => {
    const c = await consumer();
    const [a, b2] = await Promise.all([next(c, 100), next(c, 5000)]);
    expect(a).to.equal(undefined);
    expect(b2).to.equal(undefined);
    const later = next(c, 5000);
    peer.publish(T, { value: 'kept' });
    expect((await later)?.value.toString()).to.equal('kept');
  });

  it('a Reader that reconnects resubscribes non-durably just past the last message it handed over, and reads nothing twice', async () => {
    peer.publish(T, { value: 'r0' });
    const second = peer.publish(T, { value: 'r1' });
    peer.publish(T, { value: 'r2' });
    const r = new Reader({ url: peer.url, topic: T, startMessageId: 'earliest', operationTimeoutMs: 5000 }, {});
    try {
      expect((await r.readNext(3000))?.value.toString()).to.equal('r0');
      expect((await r.readNext(3000))?.value.toString()).to.equal('r1');
      const first = peer.received.find((x) => x.command.type === CommandType.SUBSCRIBE)!.command.subscribe;
      expect(first.durable).to.equal(false);
      expect(hasOwn(first, 'startMessageId')).to.equal(false);
      peer.closeAll();
      const again = (await peer.waitFor('SUBSCRIBE', 2)).subscribe;
      expect(again.durable).to.equal(false);
      expect([again.startMessageId.ledgerId, again.startMessageId.entryId]).to.deep.equal([second.ledgerId, second.entryId]);
      // the peer sends r0..r2 again (it ignores the start); the reader drops what it already read
      expect((await r.readNext(3000))?.value.toString()).to.equal('r2');
      expect(await r.readNext(300)).to.equal(undefined);
    } finally {
      await r.close();
    }
  });
});

async function expectRejected(p: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(type);
  expect((caught as Error).message).to.match(message);
}

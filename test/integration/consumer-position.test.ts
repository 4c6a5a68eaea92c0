import { expect } from 'chai';
import { Client } from '../../lib';
import type { Consumer } from '../../lib/core/consumer';
import { InvalidArgumentError } from '../../lib/core/errors';
import type { MessageId } from '../../lib/pulsar/message-id';
import { Reader } from '../../lib/pulsar/reader';
import type { Message } from '../../lib/pulsar/received-message';
import * as admin from '../../tools/admin';
import { sleep, uniqueTopic, withBroker } from './helpers';

const text = (ms: Array<Message | undefined>) => ms.map((m) => m?.value.toString() ?? '(none)');

/** `n` messages read within `ms` each (undefined where none came). */
async function read(c: { receiveWithin(ms: number): Promise<Message | undefined> }, n: number, ms = 10_000): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    const m = await c.receiveWithin(ms);
    if (!m) break;
    out.push(m);
  }
  return out;
}

async function readAll(r: Reader, n: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    const m = await r.readNext(10_000);
    if (!m) break;
    out.push(m);
  }
  return out;
}

describe('Consumer position and Reader against a real Pulsar broker', function () {
  this.timeout(120_000);
  const b = withBroker();
  const { producer, consumer } = b;
  const readers: Reader[] = [];
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close().catch(() => undefined)));
  });

  function reader(options: ConstructorParameters<typeof Reader>[0]): Reader {
    const r = new Reader({ url: b.broker.serviceUrl, ...options }, {});
    readers.push(r);
    return r;
  }

  async function produced(topic: string, n: number, prefix = 'm'): Promise<MessageId[]> {
    const p = await producer({ topics: [topic] });
    const ids: MessageId[] = [];
    for (let i = 0; i < n; i++) ids.push(await p.produceSync(topic, `k${i}`, `${prefix}${i}`));
    return ids;
  }

  async function ackAll(c: Consumer, n: number): Promise<Message[]> {
    const got = await read(c, n);
    for (const m of got) c.ack(m);
    return got;
  }

  it('seek by message id re-reads from that message; seek by publish time from the first message at or after it', async () => {
    const topic = uniqueTopic('seek');
    const ids = await produced(topic, 10);
    const c = await consumer({ topics: [topic], subscription: 'seek', ackGroupTimeMs: 0 });
    const all = await ackAll(c, 10);
    expect(text(all)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `m${i}`));
    await c.seek(ids[3]);
    expect(text(await ackAll(c, 7))).to.deep.equal(['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(await c.receiveWithin(1000)).to.equal(undefined);
    await c.seek(all[6].publishTime);
    const again = text(await ackAll(c, 4));
    // publish times are ms: a neighbour stored in the same ms comes too
    expect(again.slice(-3)).to.deep.equal(['m7', 'm8', 'm9']);
    expect(again.length).to.be.at.least(3);
  });

  it('on a partitioned topic, seek by time rewinds every partition and seek by id only its own', async () => {
    const topic = uniqueTopic('seek-parts');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 3);
    const p = await producer({ topics: [topic], partitionStrategy: 'round_robin' });
    const t0 = Date.now() - 1000;
    const ids: MessageId[] = [];
    for (let i = 0; i < 30; i++) ids.push(await p.produceSync(topic, `k${i}`, `v${i}`));
    const c = await consumer({ topics: [topic], subscription: 'seek-parts', ackGroupTimeMs: 0 });
    expect(await ackAll(c, 30)).to.have.length(30);
    await c.seek(t0);
    expect((await ackAll(c, 30)).map((m) => m.value.toString()).sort()).to.deep.equal(ids.map((_, i) => `v${i}`).sort());
    const onOne = ids.filter((id) => id.partition === 1);
    await c.seek(onOne[2]);
    const back = await ackAll(c, onOne.length - 2);
    expect(back.map((m) => m.partition)).to.deep.equal(onOne.slice(2).map(() => 1));
    expect(await c.receiveWithin(1000)).to.equal(undefined);
  });

  it('unsubscribe deletes the subscription on the broker', async () => {
    const topic = uniqueTopic('unsub');
    await produced(topic, 1);
    const c = await consumer({ topics: [topic], subscription: 'gone' });
    expect(Object.keys((await admin.topicStats(b.broker.adminUrl, topic)).subscriptions)).to.include('gone');
    await c.unsubscribe();
    expect(Object.keys((await admin.topicStats(b.broker.adminUrl, topic)).subscriptions)).to.not.include('gone');
    expect(await c.receiveWithin(10)).to.equal(undefined);
  });

  it('getLastMessageId is the last stored message; getLastMessageIds one per partition', async () => {
    const topic = uniqueTopic('last');
    const c = await consumer({ topics: [topic], subscription: 'last' });
    expect(((await c.getLastMessageId()) as MessageId).entryId).to.equal(-1);
    const ids = await produced(topic, 3);
    const last = (await c.getLastMessageId()) as MessageId;
    expect([last.ledgerId, last.entryId, last.partition]).to.deep.equal([ids[2].ledgerId, ids[2].entryId, 0]);

    const parted = uniqueTopic('last-parts');
    await admin.createPartitionedTopic(b.broker.adminUrl, parted, 2);
    const p = await producer({ topics: [parted] });
    const a = await p.produceSync(parted, 0, 'k', 'on 0');
    const z = await p.produceSync(parted, 1, 'k', 'on 1');
    const pc = await consumer({ topics: [parted], subscription: 'last' });
    const lasts = (await pc.getLastMessageIds()) as MessageId[];
    expect(lasts.map((id) => `${id.partition}:${id.ledgerId}:${id.entryId}`)).to.deep.equal(
      [a, z].map((id) => `${id.partition}:${id.ledgerId}:${id.entryId}`),
    );
    let caught: unknown;
    await pc.getLastMessageId().catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(InvalidArgumentError);
  });

  it('pause stops the broker sending more than the permits already given; resume sends the rest', async () => {
    const topic = uniqueTopic('pause');
    const c = await consumer({ topics: [topic], subscription: 'pause', receiverQueueSize: 10 });
    c.pause();
    await produced(topic, 30);
    expect(await ackAll(c, 10)).to.have.length(10);
    expect(await c.receiveWithin(1500)).to.equal(undefined);
    const stats = await admin.topicStats(b.broker.adminUrl, topic);
    const held = stats.subscriptions.pause.consumers as Array<{ availablePermits: number }>;
    expect(held.map((x) => x.availablePermits)).to.deep.equal([0]);
    c.resume();
    expect(text(await ackAll(c, 20))).to.deep.equal(Array.from({ length: 20 }, (_, i) => `m${i + 10}`));
  });

  it('batch-index acks: after acking part of a batch and reconnecting, only the unacknowledged messages come back', async function () {
    const runtime = (await (await fetch(`${b.broker.adminUrl}/admin/v2/brokers/configuration/runtime`)).json()) as Record<string, string>;
    if (runtime.acknowledgmentAtBatchIndexLevelEnabled !== 'true') this.skip(); // the test broker enables it (tools/pulsar-standalone.ts)
    const topic = uniqueTopic('batch-index');
    const p = await producer({ topics: [topic], batchingEnabled: true, batchingMaxMessages: 10, batchingFlushMs: 1000 });
    const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => p.produce(topic, `k${i}`, `b${i}`)));
    expect(new Set(sent.map((id) => `${id.ledgerId}:${id.entryId}`)).size).to.equal(1);
    for (const [sub, batchIndexAckEnabled] of [
      ['with', true],
      ['without', false],
    ] as const) {
      const c = await consumer({ topics: [topic], subscription: sub, batchIndexAckEnabled, ackGroupTimeMs: 0 });
      const got = await read(c, 10);
      for (const m of got) if ((m.messageId as MessageId).batchIndex! % 2 === 0) c.ack(m);
      await c.close();
      const again = await consumer({ topics: [topic], subscription: sub });
      const back = text(await read(again, 10, 3000));
      // with ack sets the broker remembers the acked half; without, the whole batch comes again
      expect(back).to.deep.equal(batchIndexAckEnabled ? ['b1', 'b3', 'b5', 'b7', 'b9'] : sent.map((_, i) => `b${i}`));
      await again.close();
    }
  });

  it('Reader from earliest reads everything in order; hasMessageAvailable follows what is stored past what was read', async () => {
    const topic = uniqueTopic('reader-earliest');
    await produced(topic, 5);
    const r = reader({ topic, startMessageId: 'earliest' });
    expect(await r.hasMessageAvailable()).to.equal(true);
    expect(text(await readAll(r, 5))).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(await r.hasMessageAvailable()).to.equal(false);
    await produced(topic, 1, 'late');
    expect(await r.hasMessageAvailable()).to.equal(true);
    expect((await r.readNext(10_000))?.value.toString()).to.equal('late0');
    // the reader's subscription is non-durable: gone from the broker once it closes
    const subs = Object.keys((await admin.topicStats(b.broker.adminUrl, topic)).subscriptions);
    expect(subs.filter((s) => s.startsWith('reader-'))).to.have.length(1);
    await r.close();
    // the broker may answer the close before it has dropped the non-durable subscription (seen once in CI)
    let after: string[] = [];
    for (let i = 0; i < 50; i++) {
      after = Object.keys((await admin.topicStats(b.broker.adminUrl, topic)).subscriptions).filter((s) => s.startsWith('reader-'));
      if (after.length === 0) break;
      await sleep(100);
    }
    expect(after).to.deep.equal([]);
  });

  it('Reader from a message id starts after it, or at it with startInclusive; latest starts at the next message, or the last with startInclusive', async () => {
    const topic = uniqueTopic('reader-id');
    const ids = await produced(topic, 4);
    const after = reader({ topic, startMessageId: ids[1] });
    expect(text([await after.readNext(10_000)])).to.deep.equal(['m2']);
    const at = reader({ topic, startMessageId: ids[1], startInclusive: true });
    expect(text([await at.readNext(10_000)])).to.deep.equal(['m1']);
    const latest = reader({ topic, startMessageId: 'latest' });
    expect(await latest.hasMessageAvailable()).to.equal(false);
    expect(await latest.readNext(500)).to.equal(undefined);
    const lastToo = reader({ topic, startMessageId: 'latest', startInclusive: true });
    expect(text([await lastToo.readNext(10_000)])).to.deep.equal(['m3']);
    await produced(topic, 1, 'new');
    expect(text([await latest.readNext(10_000)])).to.deep.equal(['new0']);
    // seek moves it back: the id's message is excluded (startInclusive false), as the Java Reader
    await after.seek(ids[0]);
    expect(text(await readAll(after, 2))).to.deep.equal(['m1', 'm2']);
  });

  it('Reader from an id inside a batch skips the batch messages up to that index', async () => {
    const topic = uniqueTopic('reader-batch');
    const p = await producer({ topics: [topic], batchingEnabled: true, batchingMaxMessages: 6, batchingFlushMs: 1000 });
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => p.produce(topic, `k${i}`, `b${i}`)));
    expect(ids[3].batchIndex).to.equal(3);
    const r = reader({ topic, startMessageId: ids[3] });
    expect(text(await readAll(r, 2))).to.deep.equal(['b4', 'b5']);
    const inclusive = reader({ topic, startMessageId: ids[3], startInclusive: true });
    expect(text(await readAll(inclusive, 3))).to.deep.equal(['b3', 'b4', 'b5']);
  });

  it('Reader of a partitioned topic reads every partition; a MessageId start there is a typed error naming the partition topics', async () => {
    const topic = uniqueTopic('reader-parts');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 3);
    const p = await producer({ topics: [topic], partitionStrategy: 'round_robin' });
    const ids: MessageId[] = [];
    for (let i = 0; i < 9; i++) ids.push(await p.produceSync(topic, `k${i}`, `v${i}`));
    const client = new Client({ url: b.broker.serviceUrl }, {});
    try {
      const r = client.reader({ topic, startMessageId: 'earliest' });
      const got = [];
      for await (const m of r) {
        got.push(m);
        if (got.length === 9) break;
      }
      expect(new Set(got.map((m) => m.partition))).to.deep.equal(new Set([0, 1, 2]));
      expect(got.map((m) => m.value.toString()).sort()).to.deep.equal(ids.map((_, i) => `v${i}`).sort());
      const bad = client.reader({ topic, startMessageId: ids[0] });
      let caught: unknown;
      await bad.start().catch((e: unknown) => (caught = e));
      expect(caught).to.be.instanceOf(InvalidArgumentError);
      expect((caught as Error).message).to.include(`${topic}-partition-<n>`);
    } finally {
      await client.close();
    }
  });
});

import { expect } from 'chai';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Client, Producer, ProducerOptions, RecordMetadata } from '../../../../lib';
import type { KafkaCluster } from '../../../../lib/kafka/cluster';
import { ProduceDispatcher } from '../../../../lib/kafka/produce-dispatcher';
import type { ProduceResponse } from '../../../../protocol/kafka';
import { KafkaReply, KafkaRequest, ScriptedKafkaBroker, ScriptedKafkaCluster } from '../../../support/scripted-kafka-broker';
import { scriptedKafkaPeers, scriptedKafkaProducer } from '../../../support/scripted-kafka-peers';

const T = 'orders';

// which partitions each Produce request carried, in request order
const producePartitions = (peer: ScriptedKafkaBroker): number[][] =>
  peer.requests.filter((r) => r.api === 'Produce').map((r) => (r as KafkaRequest<'Produce'>).batches.map((b) => b.partition));

// The whole Client and Producer against scripted Kafka peers: one Produce request per broker carries every partition sent to in a tick.
describe('Kafka Produce requests gathered per broker (scripted broker)', function () {
  this.timeout(8000);
  const clients: Client[] = [];
  const peer = scriptedKafkaPeers({ [T]: 3 }, clients);

  const producer = (at: ScriptedKafkaBroker, opts: ProducerOptions = {}) =>
    scriptedKafkaProducer(at, clients, { topics: [T], batchingEnabled: false, ...opts });

  // one message to each partition, all in this tick
  const toEach = (p: Producer<RecordMetadata>, partitions: number[], prefix = 'v') =>
    partitions.map((i) => p.produce(T, i, 'k', `${prefix}${i}`));

  it('sends to 3 partitions led by one broker in one tick: one Produce request carrying the 3 partitions', async () => {
    const a = await peer();
    const p = await producer(a);
    const ids = await Promise.all(toEach(p, [0, 1, 2]));
    expect(ids.map((id) => [id.partition, id.offset])).to.deep.equal([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(producePartitions(a)).to.deep.equal([[0, 1, 2]]);
    for (const i of [0, 1, 2]) expect(a.log(T, i).map((r) => r.value)).to.deep.equal([`v${i}`]);
  });

  it('partitions led by two brokers: one Produce request per broker, each with its own partitions', async () => {
    const cluster = new ScriptedKafkaCluster();
    const a = await peer({ nodeId: 1, cluster, topics: { [T]: 4 } });
    const b = await peer({ nodeId: 2, cluster, topics: {} });
    cluster.setLeader(T, 2, 2);
    cluster.setLeader(T, 3, 2);
    const p = await producer(a);
    const ids = await Promise.all(toEach(p, [0, 1, 2, 3]));
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 0, 0, 0]);
    expect(producePartitions(a)).to.deep.equal([[0, 1]]);
    expect(producePartitions(b)).to.deep.equal([[2, 3]]);
  });

  it('a second batch of a partition in the same tick goes in the next request, in order; other partitions share the first', async () => {
    const a = await peer();
    const p = await producer(a, { maxInFlightRequests: 2 });
    // batching off: each message is a batch while a request slot is free
    const sends = [p.produce(T, 0, 'k', 'x0'), p.produce(T, 0, 'k', 'x1'), p.produce(T, 1, 'k', 'y0')];
    const ids = await Promise.all(sends);
    expect(ids.map((id) => [id.partition, id.offset])).to.deep.equal([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(producePartitions(a)).to.deep.equal([[0, 1], [0]]);
    expect(a.log(T, 0).map((r) => [r.value, r.sequence])).to.deep.equal([
      ['x0', 0],
      ['x1', 1],
    ]);
  });

  it('a request stops taking batches at 1 MiB: three batches of 400 KiB go as two requests, a lone larger batch still goes', async () => {
    const a = await peer();
    const p = await producer(a, { batchingMaxBytes: 2 << 20 });
    const big = (c: string, kib: number) => c.repeat(kib * 1024);
    await Promise.all([0, 1, 2].map((i) => p.produce(T, i, 'k', big('abc'[i], 400))));
    expect(producePartitions(a)).to.deep.equal([[0, 1], [2]]);
    await p.produce(T, 0, 'k', big('d', 1100));
    expect(producePartitions(a)).to.deep.equal([[0, 1], [2], [0]]);
    expect(a.log(T, 0).map((r) => r.value?.length)).to.deep.equal([400 * 1024, 1100 * 1024]);
  });

  it('NOT_LEADER_OR_FOLLOWER for one partition of a combined answer: only it is resent; the others resolve with their offsets', async () => {
    const a = await peer();
    const p = await producer(a);
    await Promise.all(toEach(p, [0, 1, 2], 'first'));
    // the broker stores partitions 0 and 2 and refuses partition 1
    a.once('Produce', (_req, reply) => reply.okExcept({ 1: 6 }));
    const ids = await Promise.all(toEach(p, [0, 1, 2], 'second'));
    expect(ids.map((id) => [id.partition, id.offset])).to.deep.equal([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(producePartitions(a)).to.deep.equal([[0, 1, 2], [0, 1, 2], [1]]);
    for (const i of [0, 1, 2]) {
      expect(a.log(T, i).map((r) => [r.value, r.sequence])).to.deep.equal([
        [`first${i}`, 0],
        [`second${i}`, 1],
      ]);
    }
    const secondOf1 = a.batches.filter((x) => x.partition === 1 && x.values[0] === 'second1');
    expect(secondOf1.map((x) => [x.baseSequence, x.answer, x.stored ?? false])).to.deep.equal([
      [1, 6, false],
      [1, 0, true],
    ]);
    expect(a.initProducerIds).to.have.length(1);
  });

  it('a connection dropped with two combined requests in flight: every batch resent, in order, none lost, none stored twice', async () => {
    const a = await peer();
    const p = await producer(a, { maxInFlightRequests: 2 });
    const held: KafkaReply<'Produce'>[] = [];
    a.on('Produce', (_req, reply) => {
      held.push(reply);
      if (held.length < 2) return;
      a.off('Produce');
      // the first request is stored but its answer is lost with the socket; the second never reaches the log
      held[0].unsent().ok();
      held[1].destroy();
    });
    // two batches per partition in one tick: [x0 y0 z0] and [x1 y1 z1]
    const sends = [0, 1, 2].flatMap((i) => [p.produce(T, i, 'k', `${'xyz'[i]}0`), p.produce(T, i, 'k', `${'xyz'[i]}1`)]);
    const ids = await Promise.all(sends);
    expect(ids.map((id) => [id.partition, id.offset])).to.deep.equal([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    const first = a.batches[0].connection;
    expect(producePartitions(a).slice(0, 2)).to.deep.equal([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    for (const i of [0, 1, 2]) {
      const c = 'xyz'[i];
      expect(a.log(T, i).map((r) => [r.value, r.sequence])).to.deep.equal([
        [`${c}0`, 0],
        [`${c}1`, 1],
      ]);
      // resent on the new connection in order: the first a duplicate the broker remembers, the second stored now
      const resent = a.batches.filter((x) => x.connection !== first && x.partition === i);
      expect(resent.map((x) => [x.baseSequence, x.values[0], x.stored ?? false])).to.deep.equal([
        [0, `${c}0`, false],
        [1, `${c}1`, true],
      ]);
    }
    expect(a.initProducerIds).to.have.length(1);
  });

  it('acks=none: one Produce request for the tick, answered by nobody, every send resolved', async () => {
    const a = await peer();
    const p = await producer(a, { acks: 'none', idempotence: false });
    const ids = await Promise.all(toEach(p, [0, 1, 2]));
    expect(ids.map((id) => [id.partition, id.offset])).to.deep.equal([
      [0, -1],
      [1, -1],
      [2, -1],
    ]);
    await a.waitUntil(() => [0, 1, 2].every((i) => a.log(T, i).length === 1));
    expect(producePartitions(a)).to.deep.equal([[0, 1, 2]]);
    expect((a.requests.find((r) => r.api === 'Produce') as KafkaRequest<'Produce'>).body.acks).to.equal(0);
  });
});

// defect: flush() cleared its long-lived Map, whose old table (in old space) kept every slip, batch and
// message of the tick reachable through scavenges: each was promoted, and batched runs peaked 38 MB higher.
describe('defect: ProduceDispatcher kept a tick’s batches alive until the next full GC', () => {
  it('a batch answered and dropped is collected by a scavenge, even after the dispatcher itself was promoted', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (o: { type: 'minor' | 'major' }) => void;
    const answer = (): ProduceResponse => ({
      throttleTimeMs: 0,
      responses: [
        {
          name: T,
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null },
          ],
        },
      ],
    });
    const conn = { request: async () => answer() };
    const cluster = { connectionToNode: async () => conn } as unknown as KafkaCluster;
    const d = new ProduceDispatcher(cluster, -1, 30_000);
    let answered = 0;
    const slip = () => ({ topic: T, partition: 0, records: Buffer.alloc(8), answered: () => void answered++, lost: () => undefined });
    // a first tick fills the dispatcher's map; two scavenges move the dispatcher and its map to old space
    d.send(0, slip());
    await new Promise((r) => setImmediate(r));
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const oldSpace = () => v8.getHeapSpaceStatistics().find((x) => x.space_name === 'old_space')!.space_used_size;
    gc({ type: 'minor' });
    const before = oldSpace();
    // 16 ticks of 2 batches, each slip holding 64 KiB on the young heap
    for (let t = 0; t < 16; t++) {
      for (let i = 0; i < 2; i++) d.send(0, { ...slip(), hold: new Array<number>(8192).fill(i) } as ReturnType<typeof slip>);
      await new Promise((r) => setImmediate(r));
    }
    expect(answered).to.equal(33);
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    // answered and dropped, they die young: not 2 MiB promoted to old space
    expect(oldSpace() - before).to.be.below(1 << 20);
  });
});

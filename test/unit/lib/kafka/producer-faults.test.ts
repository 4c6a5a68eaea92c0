import * as crypto from 'crypto';
import { expect } from 'chai';
import { Client, Producer, ProducerOptions, RecordMetadata } from '../../../../lib';
import { BrokerError } from '../../../../lib/core/errors';
import { KafkaVersionError } from '../../../../lib/kafka/errors';
import { ApiKey } from '../../../../protocol/kafka';
import { DEFAULT_API_VERSIONS, KafkaReply, ScriptedKafkaBroker, ScriptedKafkaCluster } from '../../../support/scripted-kafka-broker';
import { scriptedKafkaPeers, scriptedKafkaProducer } from '../../../support/scripted-kafka-peers';

const T = 'orders';

const outcome = <V>(p: Promise<V>): Promise<V | Error> =>
  p.then(
    (v) => v,
    (e: Error) => e,
  );

const values = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

// The whole Client and Producer (real sockets, metadata, idempotent partition producer) against the scripted Kafka peer.
describe('Kafka producer faults on the scripted broker', function () {
  this.timeout(8000);
  const clients: Client[] = [];
  const peer = scriptedKafkaPeers({ [T]: 1 }, clients);

  const producer = (at: ScriptedKafkaBroker, opts: ProducerOptions = {}) => scriptedKafkaProducer(at, clients, { topics: [T], ...opts });

  const send = (p: Producer<RecordMetadata>, vs: string[]) => vs.map((v) => p.produce(T, 'k', v));
  const stored = (peer: ScriptedKafkaBroker) => peer.log(T).map((r) => r.value);

  // each batch starts where the one before ended, under one epoch, from `from`
  function expectContinuous(peer: ScriptedKafkaBroker, connectionFrom: number, from = 0): void {
    const bs = peer.batches.filter((b) => b.connection >= connectionFrom && b.stored);
    let next = from;
    for (const b of bs) {
      expect(b.baseSequence, `batch ${b.values.join(',')}`).to.equal(next);
      next += b.recordCount;
    }
  }

  it('defect: an open batch whose linger ran out while every request slot was busy waited for the next send', async () => {
    const a = await peer();
    a.on('Produce', (_req, reply) => reply.delay(100).ok());
    const p = await producer(a, { batchingEnabled: true, batchingFlushMs: 5, batchingMaxMessages: 4, maxInFlightRequests: 1 });
    const started = Date.now();
    // a burst, then nothing: [m0..m3] goes, [m4..m7] queues, [m8 m9] stays open past its linger with the slot busy
    const ids = await Promise.all(send(p, values(10)));
    expect(Date.now() - started).to.be.below(1500);
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stored(a)).to.deep.equal(values(10));
  });

  it('defect: with batching off, messages that arrived while every request slot was busy waited for the next send', async () => {
    const a = await peer();
    a.on('Produce', (_req, reply) => reply.delay(100).ok());
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 1 });
    const started = Date.now();
    // m0 takes the only slot; m1 and m2 gather in the open batch, which has no linger to send it
    const ids = await Promise.all(send(p, values(3)));
    expect(Date.now() - started).to.be.below(1500);
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 1, 2]);
    expect(stored(a)).to.deep.equal(values(3));
  });

  it('a leader change with 3 batches in flight: all resent to the new leader in order, once each, with their sequence numbers', async () => {
    const cluster = new ScriptedKafkaCluster();
    const a = await peer({ nodeId: 1, cluster });
    const b = await peer({ nodeId: 2, cluster, topics: {} });
    const held: KafkaReply<'Produce'>[] = [];
    a.on('Produce', (_req, reply) => {
      held.push(reply);
      if (held.length < 3) return;
      // the election happens, then A refuses everything it holds
      cluster.setLeader(T, 0, 2);
      for (const r of held.splice(0)) r.error(6);
    });
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 3 });
    const ids = await Promise.all(send(p, values(6)));
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(a.batches.slice(0, 3).map((x) => [x.baseSequence, x.answer])).to.deep.equal([
      [0, 6],
      [1, 6],
      [2, 6],
    ]);
    expect(stored(a)).to.deep.equal([]);
    expect(stored(b)).to.deep.equal(values(6));
    expect(b.log(T).map((r) => r.sequence)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(new Set(b.log(T).map((r) => r.producerEpoch))).to.deep.equal(new Set([0]));
    expectContinuous(b, 1);
    expect(a.initProducerIds.length + b.initProducerIds.length).to.equal(1);
  });

  it('OUT_OF_ORDER_SEQUENCE_NUMBER on the first unacknowledged batch: epoch bump, renumbered from 0, each message stored once', async () => {
    const a = await peer();
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 5 });
    await p.produce(T, 'k', 'first');
    a.once('Produce', (_req, reply) => reply.error(45));
    const ids = await Promise.all(send(p, values(3)));
    expect(ids.map((id) => id.offset)).to.deep.equal([1, 2, 3]);
    expect(stored(a)).to.deep.equal(['first', ...values(3)]);
    const [init, bump] = a.initProducerIds;
    expect(a.initProducerIds).to.have.length(2);
    expect(bump.request.producerId).to.equal(init.response.producerId);
    expect(bump.request.producerEpoch).to.equal(0);
    expect(bump.response.producerEpoch).to.equal(1);
    expect(a.log(T).map((r) => [r.producerEpoch, r.sequence])).to.deep.equal([
      [0, 0],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it('UNKNOWN_PRODUCER_ID is handled as a sequence error: epoch bump, renumbered, each message stored once', async () => {
    const a = await peer();
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 5 });
    await p.produce(T, 'k', 'first');
    a.once('Produce', (_req, reply) => reply.error(59));
    await Promise.all(send(p, values(3)));
    expect(stored(a)).to.deep.equal(['first', ...values(3)]);
    expect(a.initProducerIds.map((x) => x.response.producerEpoch)).to.deep.equal([0, 1]);
    expect(a.log(T).map((r) => [r.producerEpoch, r.sequence])).to.deep.equal([
      [0, 0],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it('DUPLICATE_SEQUENCE_NUMBER resolves the batch as stored, with offset -1', async () => {
    const a = await peer();
    const p = await producer(a, { batchingEnabled: true, batchingFlushMs: 5, batchingMaxMessages: 3 });
    a.once('Produce', (_req, reply) => reply.error(46));
    const ids = await Promise.all(send(p, values(3)));
    expect(ids.map((id) => id.offset)).to.deep.equal([-1, -1, -1]);
    expect(a.count('Produce')).to.equal(1);
    expect((await p.produce(T, 'k', 'next')).offset).to.equal(0);
    expect(a.initProducerIds).to.have.length(1);
  });

  it('a connection dropped with 5 batches in flight: all resent in order, none lost, none stored twice', async () => {
    const a = await peer();
    const held: KafkaReply<'Produce'>[] = [];
    a.on('Produce', (_req, reply) => {
      held.push(reply);
      if (held.length < 5) return;
      a.off('Produce');
      // the first four are stored but their answers are lost with the socket; the fifth never arrives at the log
      for (const r of held.slice(0, 3)) r.unsent().ok();
      held[3].unsent().andDestroy().ok();
    });
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 5 });
    const ids = await Promise.all(send(p, values(5)));
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(stored(a)).to.deep.equal(values(5));
    expect(a.log(T).map((r) => r.sequence)).to.deep.equal([0, 1, 2, 3, 4]);
    const first = a.batches.filter((x) => x.connection === a.batches[0].connection);
    const resent = a.batches.filter((x) => x.connection !== first[0].connection);
    expect(first.map((x) => x.baseSequence)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(resent.map((x) => [x.baseSequence, x.values[0], x.stored ?? false])).to.deep.equal([
      [0, 'm0', false],
      [1, 'm1', false],
      [2, 'm2', false],
      [3, 'm3', false],
      [4, 'm4', true],
    ]);
    expect(a.initProducerIds).to.have.length(1);
  });

  it('defect: MESSAGE_TOO_LARGE fails exactly that batch (typed error naming it); the next batch went out under the old numbers and was refused out of order before the epoch bump', async () => {
    const a = await peer();
    const p = await producer(a, { batchingEnabled: true, batchingFlushMs: 5, batchingMaxMessages: 3 });
    await Promise.all(send(p, values(3, 'ok')));
    a.once('Produce', (_req, reply) => reply.error(10));
    const refused = await Promise.all(send(p, values(3, 'big')).map(outcome));
    for (const e of refused) {
      expect(e).to.be.instanceOf(BrokerError);
      expect((e as BrokerError).serverError).to.equal('MESSAGE_TOO_LARGE');
      expect((e as BrokerError).message).to.contain('MESSAGE_TOO_LARGE');
    }
    const ids = await Promise.all(send(p, values(3, 'later')));
    expect(ids.map((id) => id.offset)).to.deep.equal([3, 4, 5]);
    expect(stored(a)).to.deep.equal([...values(3, 'ok'), ...values(3, 'later')]);
    expect(a.initProducerIds.map((x) => x.response.producerEpoch)).to.deep.equal([0, 1]);
    // nothing went under the numbering the refused batch broke
    expect(a.batches.map((x) => [x.producerEpoch, x.baseSequence, x.answer])).to.deep.equal([
      [0, 0, 0],
      [0, 3, 10],
      [1, 0, 0],
    ]);
    expect(
      a
        .log(T)
        .slice(3)
        .map((r) => [r.producerEpoch, r.sequence]),
    ).to.deep.equal([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it('a broker without Produce v9: start() rejects with KafkaVersionError naming the API and the broker range', async () => {
    const a = await peer({
      apiVersions: DEFAULT_API_VERSIONS.map((v) => (v.apiKey === ApiKey.Produce ? { ...v, maxVersion: 8 } : v)),
    });
    const err = await outcome(producer(a));
    expect(err).to.be.instanceOf(KafkaVersionError);
    expect((err as Error).message).to.contain('Produce v9 (it offers v3..v8)');
    expect(a.count('Produce')).to.equal(0);
  });

  it('a Produce never answered: the request timeout closes the connection and the batch is resent once', async () => {
    const a = await peer();
    const client = new Client({ url: a.url, operationTimeoutMs: 400, connectionTimeoutMs: 1000 }, {});
    clients.push(client);
    const p = client.producer<RecordMetadata>({ topics: [T], sendTimeoutMs: 3000, retryBackoffMs: 10, batchingEnabled: false });
    await p.start();
    // stored, but the answer never comes
    a.once('Produce', (_req, reply) => reply.unsent().ok());
    const started = Date.now();
    const ids = await Promise.all(send(p, values(3)));
    expect(Date.now() - started).to.be.within(300, 2500);
    expect(ids.map((id) => id.offset)).to.deep.equal([0, 1, 2]);
    expect(stored(a)).to.deep.equal(values(3));
    expect(a.connections).to.equal(2);
    expect(a.initProducerIds).to.have.length(1);
  });

  it('defect: every Produce request took fresh record batch space; settled batches now hand it back and later batches reuse it', async () => {
    const a = await peer();
    const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 1 });
    // the producer's pool of batch space, watched: which memory each batch of 32 KiB values is written into
    const pool = (p as unknown as { bodies: { take(size: number): Buffer } }).bodies;
    const take = pool.take.bind(pool);
    const spaces = new Set<ArrayBufferLike>();
    (pool as { take(size: number): Buffer }).take = (size: number) => {
      const b = take(size);
      spaces.add(b.buffer);
      return b;
    };
    const vs = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(32 * 1024));
    for (const v of vs) await p.produce(T, 'k', v);
    expect(stored(a)).to.deep.equal(vs);
    expect(spaces.size).to.equal(1);
  });

  // random base64 makes frames as large as their records; repeated text makes frames that fill a fraction of their space
  for (const [kind, value] of [
    ['incompressible', () => crypto.randomBytes(40 * 1024).toString('base64')],
    ['compressible', () => 'a'.repeat(50 * 1024)],
  ] as const) {
    it(`defect: every lz4 batch allocated fresh frame space (${kind} values); frames now go into reused pool space and their whole space comes back`, async () => {
      const a = await peer();
      const p = await producer(a, { batchingEnabled: false, maxInFlightRequests: 1, compression: 'lz4' });
      const vs = Array.from({ length: 10 }, value);
      await p.produce(T, 'k', vs[0]);
      // from here on, large allocations made while an LZ4 frame is written (not read, as the peer does) are counted
      const allocUnsafe = Buffer.allocUnsafe;
      let fresh = 0;
      Buffer.allocUnsafe = (size: number) => {
        if (size >= 16 << 10 && /lz4FrameCompress/.test(new Error().stack ?? '')) fresh++;
        return allocUnsafe(size);
      };
      try {
        for (const v of vs.slice(1)) await p.produce(T, 'k', v);
      } finally {
        Buffer.allocUnsafe = allocUnsafe;
      }
      expect(stored(a)).to.deep.equal(vs);
      expect(a.batches.filter((b) => b.stored).length).to.equal(vs.length);
      expect(fresh).to.equal(0);
    });
  }
});

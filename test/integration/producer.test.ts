import { expect } from 'chai';
import * as crypto from 'crypto';
import { Producer, MessageId } from '../../lib';
import {
  BrokerError,
  ConfigError,
  ConnectionError,
  CortadoError,
  InvalidArgumentError,
  MessageTooLargeError,
  PartitionStrategyError,
  TimeoutError,
  TopicError,
} from '../../lib/core/errors';
import type { PulsarBroker } from '../../tools/pulsar-standalone';
import * as admin from '../../tools/admin';
import { getBroker } from '../support/broker';
import { readBack } from './helpers';

const RUN = crypto.randomBytes(3).toString('hex');
const name = (base: string) => `persistent://public/default/${base}-${RUN}`;

/** Messages the broker counted per partition: its own view, not our return values. */
async function perPartitionCounts(adminUrl: string, topic: string, partitions: number): Promise<number[]> {
  const stats = (await admin.partitionedStats(adminUrl, topic)) as { partitions: Record<string, { msgInCounter: number }> };
  const out: number[] = [];
  for (let i = 0; i < partitions; i++) out.push(stats.partitions[`${topic}-partition-${i}`]?.msgInCounter ?? 0);
  return out;
}

function histogram(parts: number[], n: number): number[] {
  const h = new Array(n).fill(0);
  for (const p of parts) h[p]++;
  return h;
}

// Kaffe's formula, computed here independently of strategies/md5.ts
function kaffeMd5(key: string, n: number): number {
  return [...crypto.createHash('md5').update(key).digest()].reduce((a, b) => a + b, 0) % n;
}

describe('Producer against a real Pulsar broker', function () {
  this.timeout(120_000);
  let broker: PulsarBroker;

  before(async function () {
    this.timeout(300_000);
    broker = await getBroker();
  });

  async function withProducer<T>(opts: ConstructorParameters<typeof Producer>[0], fn: (p: Producer<MessageId>) => Promise<T>): Promise<T> {
    const p = new Producer<MessageId>({ url: broker.serviceUrl, ...opts }, {});
    try {
      await p.start();
      return await fn(p);
    } finally {
      await p.close();
    }
  }

  it('sends to a non-partitioned topic and returns the broker message id', async () => {
    const topic = name('plain');
    await admin.createNonPartitionedTopic(broker.adminUrl, topic);
    await withProducer({ topics: [topic] }, async (p) => {
      expect(p.partitionsOf(topic)).to.equal(1);
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push(await p.produceSync(`k${i}`, `v${i}`));
      expect(ids[0]).to.include({ topic, partition: 0 });
      expect(ids[19].entryId).to.be.greaterThan(ids[0].entryId);
      const buf = await p.produceSync(topic, 'k', Buffer.from([1, 2, 3]));
      const u8 = await p.produceSync(topic, 'k', new Uint8Array([4, 5]));
      expect(buf.ledgerId).to.be.a('number');
      expect(u8.entryId).to.equal(buf.entryId + 1);
    });
    const stats = (await admin.topicStats(broker.adminUrl, topic)) as { msgInCounter: number };
    expect(stats.msgInCounter).to.equal(22);
    const first = await admin.examineMessage(broker.adminUrl, topic, 1);
    expect(Buffer.from(first.body).toString()).to.equal('v0');
  });

  for (const strategy of ['md5', 'round_robin', 'random'] as const) {
    it(`routes 300 keyed messages with ${strategy} onto a 4-partition topic, as the broker counts them`, async () => {
      const topic = name(`routed-${strategy}`);
      await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
      const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
      const ids = await withProducer({ topics: [topic], partitionStrategy: strategy }, async (p) => {
        expect(p.partitionsOf(topic)).to.equal(4);
        return Promise.all(keys.map((k) => p.produceSync(topic, k, `value-${k}`)));
      });
      const ours = histogram(
        ids.map((id) => id.partition),
        4,
      );
      const broker4 = await perPartitionCounts(broker.adminUrl, topic, 4);
      expect(broker4).to.deep.equal(ours);
      if (strategy === 'md5')
        expect(broker4).to.deep.equal(
          histogram(
            keys.map((k) => kaffeMd5(k, 4)),
            4,
          ),
        );
      if (strategy === 'round_robin') expect(broker4).to.deep.equal([75, 75, 75, 75]);
      if (strategy === 'random') expect(broker4.every((c) => c > 30)).to.equal(true);
    });
  }

  it('routes with an app function given the five Kaffe arguments', async () => {
    const topic = name('routed-fn');
    await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
    const seen: unknown[][] = [];
    const fn = (t: string, current: number, count: number, key: unknown, value: unknown) => {
      seen.push([t, current, count, key, value]);
      return Number(String(key).slice(-1)) % count;
    };
    await withProducer({ topics: [topic], partitionStrategy: fn }, async (p) => {
      for (let i = 0; i < 40; i++) await p.produceSync(topic, `k${i}`, `v${i}`);
    });
    expect(seen[0]).to.deep.equal([topic, -1, 4, 'k0', 'v0']);
    expect(seen[1]).to.deep.equal([topic, 0, 4, 'k1', 'v1']);
    const expected = histogram(
      Array.from({ length: 40 }, (_, i) => (i % 10) % 4),
      4,
    );
    expect(await perPartitionCounts(broker.adminUrl, topic, 4)).to.deep.equal(expected);
  });

  it('sends to an explicit partition without asking the strategy', async () => {
    const topic = name('explicit');
    await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
    let calls = 0;
    await withProducer({ topics: [topic], partitionStrategy: () => (calls++, 0) }, async (p) => {
      for (let i = 0; i < 10; i++) expect((await p.produceSync(topic, 2, `k${i}`, 'v')).partition).to.equal(2);
      const e = await p.produceSync(topic, 9, 'k', 'v').catch((x) => x);
      expect(e).to.be.instanceOf(InvalidArgumentError);
    });
    expect(calls).to.equal(0);
    expect(await perPartitionCounts(broker.adminUrl, topic, 4)).to.deep.equal([0, 0, 10, 0]);
  });

  it('sends a list grouped by partition and resolves every id', async () => {
    const topic = name('list');
    await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
    const msgs = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const ids = await withProducer({ topics: [topic] }, (p) => p.produceSync(topic, msgs));
    expect(ids).to.have.length(50);
    ids.forEach((id, i) => expect(id.partition).to.equal(kaffeMd5(`k${i}`, 4)));
    expect(await perPartitionCounts(broker.adminUrl, topic, 4)).to.deep.equal(
      histogram(
        ids.map((i) => i.partition),
        4,
      ),
    );
  });

  it('sends a list as one batch per partition when batching is on, and one entry per message when it is off', async () => {
    const topic = name('list-batches');
    await admin.createPartitionedTopic(broker.adminUrl, topic, 2);
    const msgs = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const entries = (ids: MessageId[]) => new Set(ids.map((id) => `${id.partition}:${id.ledgerId}:${id.entryId}`)).size;
    const batched = await withProducer({ topics: [topic], batchingEnabled: true, batchingFlushMs: 50 }, (p) => p.produceSync(topic, msgs));
    const partitions = new Set(batched.map((id) => id.partition)).size;
    // every partition's messages share one entry (a batch); the batch indexes follow the list's order
    expect(entries(batched)).to.equal(partitions);
    for (const part of new Set(batched.map((id) => id.partition))) {
      const mine = batched.filter((id) => id.partition === part);
      expect(mine.map((id) => id.batchIndex)).to.deep.equal(mine.map((_, i) => i));
    }
    const single = await withProducer({ topics: [topic], batchingEnabled: false }, (p) => p.produceSync(topic, msgs));
    expect(entries(single)).to.equal(40);
    expect(single.every((id) => id.batchIndex === undefined)).to.equal(true);
  });

  for (const allocation of ['worker_per_topic_partition', 'worker_per_partition'] as const) {
    it(`keeps per-partition order across two topics with ${allocation}`, async () => {
      const t1 = name(`alloc-a-${allocation}`);
      const t2 = name(`alloc-b-${allocation}`);
      await admin.createPartitionedTopic(broker.adminUrl, t1, 2);
      await admin.createPartitionedTopic(broker.adminUrl, t2, 2);
      await withProducer({ topics: [t1, t2], workerAllocation: allocation, partitionStrategy: 'round_robin' }, async (p) => {
        const sends = [];
        for (let i = 0; i < 100; i++) sends.push(p.produceSync(i % 2 ? t2 : t1, `k${i}`, `v${i}`));
        const ids = await Promise.all(sends);
        // within one topic-partition, entry ids grow in send order
        for (const t of [t1, t2]) {
          for (const part of [0, 1]) {
            const entries = ids.filter((id) => id.topic === t && id.partition === part).map((id) => id.entryId);
            expect(entries).to.deep.equal([...entries].sort((a, b) => a - b));
          }
        }
        const names = p.workers.names().sort();
        if (allocation === 'worker_per_partition') expect(names).to.deep.equal(['worker_0', 'worker_1']);
        else expect(names).to.have.length(4);
      });
      expect(await perPartitionCounts(broker.adminUrl, t1, 2)).to.deep.equal([25, 25]);
      expect(await perPartitionCounts(broker.adminUrl, t2, 2)).to.deep.equal([25, 25]);
    });
  }

  it('analyzes a topic not named in the config on first use', async () => {
    const topic = name('unconfigured');
    await admin.createPartitionedTopic(broker.adminUrl, topic, 3);
    await withProducer({}, async (p) => {
      const id = await p.produceSync(topic, 'k', 'v');
      expect(p.partitionsOf(topic)).to.equal(3);
      expect(id.partition).to.equal(kaffeMd5('k', 3));
    });
  });

  it('refuses a message over the broker max size with a typed error and keeps sending', async () => {
    const topic = name('too-large');
    await withProducer({ topics: [topic] }, async (p) => {
      const before = await p.produceSync(topic, 'k', 'small');
      const big = Buffer.alloc(6 * 1024 * 1024, 1);
      const err = await p.produceSync(topic, 'k', big).catch((e) => e);
      expect(err).to.be.instanceOf(MessageTooLargeError);
      expect(err.limit).to.equal(5 * 1024 * 1024);
      const after = await p.produceSync(topic, 'k', 'small again');
      expect(after.entryId).to.equal(before.entryId + 1);
    });
  });

  it('keeps pending sends across a broker-side unload and resends them with their sequence ids', async () => {
    // broker deduplication drops a resent message it already stored: none lost, none doubled
    const ns = `public/dedup-${RUN}`;
    await admin.createNamespace(broker.adminUrl, ns);
    await admin.setNamespaceDeduplication(broker.adminUrl, ns, true);
    const topic = `persistent://${ns}/reconnect`;
    await withProducer({ topics: [topic], sendTimeoutMs: 30_000 }, async (p) => {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 600; i++) {
        sends.push(p.produce(topic, 'k', `m${i}`));
        if (i === 200) await admin.unload(broker.adminUrl, topic);
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(sends);
    });
    const back = await readBack(broker.serviceUrl, topic, 600);
    expect(back.map((m) => m.value.toString())).to.deep.equal(Array.from({ length: 600 }, (_, i) => `m${i}`));
    const more = await readBack(broker.serviceUrl, topic, 601, {}, 3000);
    expect(more).to.have.length(600);
  });

  describe('bad input', () => {
    it('rejects an unknown strategy name at construction', () => {
      expect(() => new Producer<MessageId>({}, { CORTADO_PARTITION_STRATEGY: 'crc' })).to.throw(ConfigError, /crc/);
    });

    it('turns a bad app strategy result into a typed error for that send only', async () => {
      const topic = name('bad-fn');
      await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
      const results: unknown[] = [1.5, -1, 4, 'two', NaN];
      let i = 0;
      const fn = (_t: string, _c: number, _n: number, key: unknown) => {
        if (key === 'good') return 1;
        if (key === 'throw') throw new Error('boom');
        return results[i++] as number;
      };
      await withProducer({ topics: [topic], partitionStrategy: fn }, async (p) => {
        const good = p.produceSync(topic, 'good', 'v');
        for (let k = 0; k < results.length; k++) {
          const e = await p.produceSync(topic, 'bad', 'v').catch((x) => x);
          expect(e).to.be.instanceOf(PartitionStrategyError);
          expect(e.message).to.include('integer from 0 to 3');
        }
        const thrown = await p.produceSync(topic, 'throw', 'v').catch((x) => x);
        expect(thrown).to.be.instanceOf(PartitionStrategyError);
        expect(thrown.message).to.include('boom');
        expect((await good).partition).to.equal(1);
      });
    });

    it('rejects produceSync(key, value) when no topic is configured', async () => {
      await withProducer({}, async (p) => {
        const e = await p.produceSync('k', 'v').catch((x) => x);
        expect(e).to.be.instanceOf(InvalidArgumentError);
        expect(e.message).to.include('CORTADO_TOPICS');
      });
    });

    it('rejects a value of an unsupported type without disturbing other sends', async () => {
      const topic = name('bad-value');
      await withProducer({ topics: [topic] }, async (p) => {
        const ok = p.produceSync(topic, 'k', 'fine');
        for (const v of [42, { a: 1 }, [1, 2], true]) {
          const e = await p.produceSync(topic, 'k', v as never).catch((x) => x);
          expect(e).to.be.instanceOf(InvalidArgumentError);
          expect(e.message).to.include('Buffer, Uint8Array, string or null');
        }
        expect((await ok).entryId).to.be.a('number');
      });
    });

    it('fails a list holding one bad value with a typed error', async () => {
      const topic = name('bad-list');
      await withProducer({ topics: [topic] }, async (p) => {
        const e = await p
          .produceSync(topic, [
            { key: 'a', value: 'ok' },
            { key: 'b', value: 7 as never },
            { key: 'c', value: 'ok' },
          ])
          .catch((x) => x);
        expect(e).to.be.instanceOf(InvalidArgumentError);
        expect((await p.produceSync(topic, 'k', 'after')).entryId).to.be.a('number');
      });
    });

    it('fails fast with a typed error on an unreachable broker', async () => {
      const p = new Producer<MessageId>({ url: 'pulsar://127.0.0.1:1', topics: ['x'], connectionTimeoutMs: 2000 }, {});
      const t0 = Date.now();
      const e = await p.start().catch((x) => x);
      expect(e).to.be.instanceOf(CortadoError);
      expect(e).to.satisfy((x: unknown) => x instanceof ConnectionError || x instanceof TimeoutError);
      expect(Date.now() - t0).to.be.lessThan(5000);
      await p.close();
    });

    it('reports a topic name the broker rejects as a typed error', async () => {
      await withProducer({}, async (p) => {
        const e = await p.produceSync('persistent://no-such-tenant/ns/topic', 'k', 'v').catch((x) => x);
        expect(e).to.be.instanceOf(BrokerError);
        const e2 = await p.produceSync('persistent://public/default/', 'k', 'v').catch((x) => x);
        expect(e2).to.be.instanceOf(TopicError);
        expect(e2.serverError).to.equal('InvalidTopicName');
        // the producer still works afterwards
        expect((await p.produceSync(name('after-bad-topic'), 'k', 'v')).entryId).to.be.a('number');
      });
    });
  });
});

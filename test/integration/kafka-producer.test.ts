import { expect } from 'chai';
import * as crypto from 'crypto';
import { Client, ConfigError, InvalidArgumentError, Producer, RecordMetadata } from '../../lib';
import type { KafkaBackend } from '../../lib/kafka/backend';
import { javaConsume, javaPartitionsFor } from '../../tools/kafka-java';
import { kafkaSuite } from '../support/kafka-broker';

const RUN = crypto.randomBytes(3).toString('hex');
const topicName = (base: string) => `${base}-${RUN}`;

/** What a promise rejects with (undefined when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('Kafka producer against a real Kafka broker', function () {
  this.timeout(180_000);
  const open: Producer[] = [];
  const k = kafkaSuite(open);

  async function producer(opts: Parameters<Client['producer']>[0]): Promise<Producer> {
    const p = k.client.producer(opts);
    open.push(p);
    await p.start();
    return p;
  }

  it('produceSync stores keyed records with headers and timestamps that the Java consumer reads unchanged', async () => {
    const topic = topicName('k-basic');
    await k.admin.createPartitionedTopic(topic, 3);
    const p = await producer({ topics: [topic] });
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const ids: RecordMetadata[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(
        (await p.produceSync(topic, `key-${i}`, `value-${i}`, {
          properties: { n: String(i), src: 'cortado' },
          eventTime: at + i,
        })) as RecordMetadata,
      );
    }
    for (const id of ids) {
      expect(id).to.be.instanceOf(RecordMetadata);
      expect(id.topic).to.equal(topic);
      expect(id.partition).to.be.within(0, 2);
      expect(id.offset).to.be.at.least(0);
    }
    // offsets rise by one within each partition, in send order
    for (let part = 0; part < 3; part++) {
      const offs = ids.filter((x) => x.partition === part).map((x) => x.offset);
      expect(offs).to.deep.equal(offs.map((_, i) => offs[0] + i));
    }
    const seen = await javaConsume(k.broker, topic, 30, 60_000);
    expect(seen).to.have.length(30);
    for (const r of seen) {
      const key = r.key!.toString();
      const i = Number(key.slice(4));
      expect(r.value!.toString()).to.equal(`value-${i}`);
      expect(r.timestamp).to.equal(at + i);
      expect(r.headers.map(([k, v]) => [k, v!.toString()])).to.deep.equal([
        ['n', String(i)],
        ['src', 'cortado'],
      ]);
      const id = ids[i];
      expect([r.partition, r.offset]).to.deep.equal([id.partition, id.offset]);
    }
  });

  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`batched with ${compression}: every record reaches the Java consumer, null keys and values included`, async () => {
      const topic = topicName(`k-codec-${compression}`);
      await k.admin.createPartitionedTopic(topic, 2);
      const p = await producer({
        topics: [topic],
        compression,
        batchingEnabled: true,
        batchingFlushMs: 20,
        partitionStrategy: 'round_robin',
      });
      const text = (i: number) => JSON.stringify({ i, user: `user-${i % 7}`, items: ['a', 'b', 'c'].map((x) => x + i) });
      const sends = [];
      for (let i = 0; i < 300; i++) sends.push(p.produce(topic, i % 10 === 0 ? null : `k${i}`, i % 25 === 0 ? null : text(i)));
      const ids = (await Promise.all(sends)) as RecordMetadata[];
      expect(new Set(ids.map((x) => `${x.partition}@${x.offset}`)).size).to.equal(300);
      const seen = await javaConsume(k.broker, topic, 300, 60_000);
      expect(seen).to.have.length(300);
      const values = seen.map((r) => (r.value === null ? null : r.value!.toString()));
      expect(values.filter((v) => v === null)).to.have.length(12);
      expect(seen.filter((r) => r.key === null)).to.have.length(30);
      expect(new Set(values.filter((v) => v !== null))).to.deep.equal(
        new Set([...Array(300).keys()].filter((i) => i % 25 !== 0).map(text)),
      );
    });
  }

  it('regression: without batching, records sent while every request slot was busy waited forever (sendTimeoutMs)', async () => {
    const topic = topicName('k-unbatched');
    await k.admin.createPartitionedTopic(topic, 2);
    const p = await producer({ topics: [topic], sendTimeoutMs: 20_000 });
    const ids = (await Promise.all(
      Array.from({ length: 1000 }, (_, i) => p.produceSync(topic, `user-${i % 50}`, `v${i}`)),
    )) as RecordMetadata[];
    expect(new Set(ids.map((x) => `${x.partition}@${x.offset}`)).size).to.equal(1000);
    expect(await javaConsume(k.broker, topic, 1000, 60_000)).to.have.length(1000);
  });

  it('sends a value of 900 KB and reads it back byte for byte', async () => {
    const topic = topicName('k-large');
    await k.admin.createPartitionedTopic(topic, 1);
    const p = await producer({ topics: [topic] });
    const big = crypto.randomBytes(900 * 1024);
    await p.produceSync(topic, 'big', big);
    const [r] = await javaConsume(k.broker, topic, 1, 60_000);
    expect(r.value!.equals(big)).to.equal(true);
  });

  it("murmur2 puts every key on the partition the Java producer's default partitioner picks", async () => {
    const topic = topicName('k-murmur2');
    await k.admin.createPartitionedTopic(topic, 6);
    const keys = [...Array(40).keys()].map((i) => `customer-${i * 7919}`);
    const p = await producer({ topics: [topic], partitionStrategy: 'murmur2' });
    const ours = [];
    for (const k of keys) ours.push(((await p.produceSync(topic, k, 'v')) as RecordMetadata).partition);
    const java = await javaPartitionsFor(k.broker, topic, keys);
    expect(ours).to.deep.equal(java);
  });

  it('refuses Pulsar-only options and send options by name, and keeps other sends going', async () => {
    const topic = topicName('k-refuse');
    expect(() => new Producer({ url: k.broker.bootstrap, topics: [topic], accessMode: 'Exclusive' }, {})).to.throw(
      ConfigError,
      /accessMode is a pulsar option/,
    );
    expect(() => new Producer({ url: k.broker.bootstrap, compression: 'zlib' }, {})).to.throw(ConfigError, /gzip/);
    expect(() => new Producer({ url: k.broker.bootstrap, acks: 'leader' }, {})).to.throw(ConfigError, /idempotence/);
    await k.admin.createPartitionedTopic(topic, 1);
    const p = await producer({ topics: [topic] });
    const bad = p.produceSync(topic, 'k', 'v', { orderingKey: 'o' });
    const good = p.produceSync(topic, 'k', 'v');
    const refused = await rejection(bad);
    expect(refused).to.be.instanceOf(InvalidArgumentError);
    expect((refused as Error).message).to.match(/orderingKey is a Pulsar option/);
    expect(((await good) as RecordMetadata).offset).to.be.at.least(0);
  });

  it('admin: create, grow, count, describe, list and delete', async () => {
    const topic = topicName('k-admin');
    await k.admin.createPartitionedTopic(topic, 2);
    expect(await k.admin.partitionCount(topic)).to.equal(2);
    await k.admin.updatePartitions(topic, 5);
    expect(await k.admin.partitionCount(topic)).to.equal(5);
    const d = await k.admin.describeTopic(topic);
    expect(d.partitions.map((x) => x.partition)).to.deep.equal([0, 1, 2, 3, 4]);
    for (const part of d.partitions) expect(part.leader).to.be.at.least(0);
    expect(await k.admin.listTopics()).to.include(topic);
    expect(String(await rejection(k.admin.createPartitionedTopic(topic, 2)))).to.match(/TOPIC_ALREADY_EXISTS/);
    await k.admin.deleteTopic(topic);
    expect(await k.admin.listTopics()).to.not.include(topic);
  });

  it('a producer refreshing its partitions routes to partitions added while it runs', async () => {
    const topic = topicName('k-grow');
    await k.admin.createPartitionedTopic(topic, 2);
    const p = await producer({ topics: [topic], partitionStrategy: 'round_robin' });
    await k.admin.updatePartitions(topic, 4);
    await p.refreshPartitions();
    expect(p.partitionsOf(topic)).to.equal(4);
    const parts = new Set<number>();
    for (let i = 0; i < 8; i++) parts.add(((await p.produceSync(topic, `k${i}`, 'v')) as RecordMetadata).partition);
    expect([...parts].sort()).to.deep.equal([0, 1, 2, 3]);
  });

  it('without batching, sends made while 5 requests are in flight go when a slot frees, not at their timeout', async () => {
    const topic = topicName('k-nolinger');
    await k.admin.createPartitionedTopic(topic, 1);
    const p = await producer({ topics: [topic], sendTimeoutMs: 20_000 });
    const t0 = Date.now();
    // far more sends than request slots: the last ones wait in the open batch for an answer
    const ids = (await Promise.all(Array.from({ length: 200 }, (_, i) => p.produce(topic, `k${i}`, `v${i}`)))) as RecordMetadata[];
    expect(Date.now() - t0).to.be.below(10_000);
    expect(ids.map((r) => r.offset)).to.deep.equal(ids.map((_, i) => ids[0].offset + i));
  });

  it('idempotence: sockets cut mid-stream lose, duplicate and reorder nothing', async () => {
    const topic = topicName('k-cut');
    await k.admin.createPartitionedTopic(topic, 2);
    const p = await producer({ topics: [topic], batchingEnabled: true, batchingFlushMs: 1, batchingMaxMessages: 20 });
    const cluster = (k.client as unknown as { session: { backend: KafkaBackend } }).session.backend.cluster;
    const sends = [];
    for (let i = 0; i < 2000; i++) {
      sends.push(p.produce(topic, `k${i % 16}`, `v${i}`));
      // every 500 sends, every socket of the client goes down under the requests in flight
      if (i % 500 === 250) await cluster.dropConnections('cut by the test');
    }
    const ids = (await Promise.all(sends)) as RecordMetadata[];
    expect(ids).to.have.length(2000);
    const seen = await javaConsume(k.broker, topic, 2000, 90_000);
    const values = seen.map((r) => r.value!.toString());
    expect(values).to.have.length(2000);
    expect(new Set(values).size).to.equal(2000);
    // per key, the Java consumer sees the values in send order
    const byKey = new Map<string, number[]>();
    for (const r of seen) {
      const k = r.key!.toString();
      const list = byKey.get(k) ?? [];
      list.push(Number(r.value!.toString().slice(1)));
      byKey.set(k, list);
    }
    for (const list of byKey.values()) expect(list).to.deep.equal([...list].sort((a, b) => a - b));
  });
});

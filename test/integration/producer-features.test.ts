import { expect } from 'chai';
import * as crypto from 'crypto';
import { Producer, MessageId } from '../../lib';
import {
  ConfigError,
  InvalidArgumentError,
  MessageTooLargeError,
  ProducerBusyError,
  ProducerFencedError,
  SchemaError,
} from '../../lib/core/errors';
import * as admin from '../../tools/admin';
import { javaConsume } from '../../tools/java-client';
import { partitionStrategies } from '../../strategies';
import { javaHome, readBack, sleep, uniqueTopic, withBroker } from './helpers';

describe('Producer features against a real Pulsar broker', function () {
  this.timeout(180_000);
  const b = withBroker();
  const { producer } = b;

  it('carries every per-message option to the broker intact', async () => {
    const topic = uniqueTopic('options');
    const p = await producer({ topics: [topic] });
    const eventTime = new Date('2024-05-06T07:08:09.123Z');
    const id = await p.produceSync(topic, 'the-key', 'payload', {
      partitionKey: 'routing-key',
      orderingKey: Buffer.from([1, 2, 3]),
      properties: { color: 'red', empty: '' },
      eventTime,
      timeout: 10_000,
    });
    expect(id.partition).to.equal(0);
    const [m] = await readBack(b.broker.serviceUrl, topic, 1);
    expect(m.key).to.equal('routing-key');
    expect([...m.orderingKey!]).to.deep.equal([1, 2, 3]);
    expect(m.properties).to.deep.equal({ color: 'red', empty: '' });
    expect(m.eventTime).to.equal(eventTime.getTime());
    expect(m.value.toString()).to.equal('payload');
    // the broker's own view of the stored entry
    const seen = await admin.examineMessage(b.broker.adminUrl, topic, 1);
    expect(JSON.parse(seen.headers['x-pulsar-property'])).to.deep.equal({ color: 'red', empty: '' });
    expect(seen.headers['x-pulsar-partition-key']).to.equal('routing-key');
    expect(Date.parse(seen.headers['x-pulsar-event-time'])).to.equal(eventTime.getTime());
    expect(seen.body.toString()).to.equal('payload');
  });

  it('routes by partitionKey instead of the key', async () => {
    const topic = uniqueTopic('pk-routing');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 4);
    const p = await producer({ topics: [topic] });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => p.produceSync(topic, `key-${i}`, 'v', { partitionKey: 'same' })));
    expect(new Set(ids.map((i) => i.partition)).size).to.equal(1);
  });

  it('holds delayed messages until their time (deliverAfter and deliverAt)', async () => {
    const topic = uniqueTopic('delayed');
    const p = await producer({ topics: [topic] });
    const { Consumer } = await import('../../lib/core/consumer');
    const c = new Consumer(
      {
        url: b.broker.serviceUrl,
        topics: [topic],
        subscription: 'delay',
        subscriptionType: 'shared',
        subscriptionInitialPosition: 'earliest',
      },
      {},
    );
    await c.start();
    try {
      const t0 = Date.now();
      await p.produceSync(topic, 'k', 'later', { deliverAfter: 3000 });
      await p.produceSync(topic, 'k', 'at', { deliverAt: new Date(t0 + 2000) });
      await p.produceSync(topic, 'k', 'now');
      const got: { v: string; t: number }[] = [];
      for await (const m of c) {
        got.push({ v: m.value.toString(), t: Date.now() - t0 });
        c.ack(m);
        if (got.length === 3) break;
      }
      const at = (v: string) => got.find((g) => g.v === v)!.t;
      expect(got[0].v).to.equal('now');
      expect(at('at')).to.be.at.least(1900);
      expect(at('later')).to.be.at.least(2900);
    } finally {
      await c.close();
    }
  });

  it('produce() returns at once and keeps per-partition order', async () => {
    const topic = uniqueTopic('produce-async');
    const p = await producer({ topics: [topic] });
    const promises = Array.from({ length: 200 }, (_, i) => p.produce(topic, 'k', `m${i}`));
    const ids = await Promise.all(promises);
    const entries = ids.map((i) => i.entryId);
    expect(entries).to.deep.equal([...entries].sort((a, b) => a - b));
    const back = await readBack(b.broker.serviceUrl, topic, 200);
    expect(back.map((m) => m.value.toString())).to.deep.equal(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  describe('access modes', () => {
    it('Exclusive: a second producer fails at once with a typed error', async () => {
      const topic = uniqueTopic('exclusive');
      await producer({ topics: [topic], accessMode: 'Exclusive' });
      const t0 = Date.now();
      const e = await producer({ topics: [topic], accessMode: 'Exclusive' }).catch((x) => x);
      expect(e).to.be.instanceOf(ProducerBusyError);
      expect(Date.now() - t0).to.be.lessThan(5000);
    });

    it('WaitForExclusive: start waits until the holder leaves', async () => {
      const topic = uniqueTopic('wait-exclusive');
      const first = await producer({ topics: [topic], accessMode: 'Exclusive' });
      let granted = false;
      const starting = producer({ topics: [topic], accessMode: 'WaitForExclusive', operationTimeoutMs: 2000 }).then(
        (p) => ((granted = true), p),
      );
      await sleep(3000); // longer than the operation timeout: waiting is not a timeout
      expect(granted).to.equal(false);
      await first.close();
      const second = await starting;
      expect(granted).to.equal(true);
      expect((await second.produceSync(topic, 'k', 'v')).entryId).to.be.a('number');
    });

    it('ExclusiveWithFencing: the new producer fences the old one, whose sends fail typed', async () => {
      const topic = uniqueTopic('fencing');
      const old = await producer({ topics: [topic], accessMode: 'ExclusiveWithFencing' });
      await old.produceSync(topic, 'k', 'before');
      const fresh = await producer({ topics: [topic], accessMode: 'ExclusiveWithFencing' });
      await fresh.produceSync(topic, 'k', 'new');
      let e: unknown;
      for (let i = 0; i < 20 && !(e instanceof ProducerFencedError); i++) {
        e = await old.produceSync(topic, 'k', 'after', { timeout: 2000 }).then(
          () => undefined,
          (x) => x,
        );
        if (!(e instanceof ProducerFencedError)) await sleep(250);
      }
      expect(e).to.be.instanceOf(ProducerFencedError);
    });
  });

  describe('compression, read back by the Java client', () => {
    for (const compression of ['lz4', 'zlib', 'snappy', 'zstd'] as const) {
      it(`${compression}: single and batched messages`, async function () {
        this.timeout(120_000);
        const topic = uniqueTopic(`codec-${compression}`);
        const text = (i: number) => `${compression} message ${i} `.repeat(40);
        const p = await producer({ topics: [topic], compression });
        await p.produceSync(topic, 'k', text(0));
        const pb = await producer({ topics: [topic], compression, batchingEnabled: true, batchingMaxMessages: 5 });
        await Promise.all([1, 2, 3, 4, 5].map((i) => pb.produceSync(topic, 'k', text(i))));
        // odd lengths of mixed text exercise block ends, the place LZ4 encoders go wrong
        const odd = [1, 7, 13, 31, 64, 100, 257].map((n, i) =>
          crypto.createHash('sha512').update(`${compression}${i}`).digest('base64').repeat(6).slice(0, n),
        );
        for (const v of odd) await p.produceSync(topic, 'k', v);
        const expected = [...[0, 1, 2, 3, 4, 5].map(text), ...odd];
        const javaSaw = await javaConsume(javaHome(this, b.broker), b.broker.serviceUrl, topic, {
          count: expected.length,
          subscription: 'java',
        });
        expect(javaSaw.map((m) => m.toString())).to.deep.equal(expected);
        const ours = await readBack(b.broker.serviceUrl, topic, expected.length);
        expect(ours.map((m) => m.value.toString())).to.deep.equal(expected);
      });
    }

    it('lz4: full 128 KiB batches of repeated, text-like and random payloads, byte for byte', async function () {
      this.timeout(150_000);
      const topic = uniqueTopic('codec-lz4-large');
      // long matches, short matches and none: each takes a different path through the compressor
      const payload = (i: number) => {
        const n = 900 + ((i * 37) % 300);
        if (i % 3 === 0) return Buffer.alloc(n, 'x');
        if (i % 3 === 1)
          return Buffer.from(`{"order":${i},"customer":"c${i % 17}","items":[${'"item",'.repeat(i % 9)}"last"]}`.repeat(20)).subarray(0, n);
        return crypto.randomBytes(n);
      };
      const values = Array.from({ length: 300 }, (_, i) => payload(i));
      const p = await producer({
        topics: [topic],
        compression: 'lz4',
        batchingEnabled: true,
        batchingMaxMessages: 1000,
        batchingMaxBytes: 128 * 1024,
        batchingFlushMs: 50,
      });
      await Promise.all(values.map((v) => p.produceSync(topic, 'k', v)));
      const javaSaw = await javaConsume(javaHome(this, b.broker), b.broker.serviceUrl, topic, {
        count: values.length,
        subscription: 'java',
      });
      expect(javaSaw.length).to.equal(values.length);
      javaSaw.forEach((m, i) => expect(m.equals(values[i]), `message ${i}`).to.equal(true));
    });
  });

  describe('batching', () => {
    it('packs messages into batches with per-message ids and batch indexes', async () => {
      const topic = uniqueTopic('batching');
      const p = await producer({ topics: [topic], batchingEnabled: true, batchingMaxMessages: 10, batchingFlushMs: 50 });
      const ids = await Promise.all(
        Array.from({ length: 25 }, (_, i) => p.produceSync(topic, `k${i}`, `v${i}`, { properties: { i: String(i) } })),
      );
      expect(ids.slice(0, 10).map((i) => i.batchIndex)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(new Set(ids.slice(0, 10).map((i) => i.entryId)).size).to.equal(1);
      expect(new Set(ids.map((i) => i.entryId)).size).to.equal(3);
      const stats = (await admin.topicStats(b.broker.adminUrl, topic)) as { msgInCounter: number };
      expect(stats.msgInCounter).to.equal(25);
      const back = await readBack(b.broker.serviceUrl, topic, 25);
      expect(back.map((m) => m.properties.i)).to.deep.equal(Array.from({ length: 25 }, (_, i) => String(i)));
      expect((back[3].messageId as MessageId).batchIndex).to.equal(3);
    });

    it('bounds a batch by bytes and never batches delayed messages', async () => {
      const topic = uniqueTopic('batch-bytes');
      const p = await producer({ topics: [topic], batchingEnabled: true, batchingMaxBytes: 4096, batchingFlushMs: 50 });
      const ids = await Promise.all(Array.from({ length: 8 }, () => p.produceSync(topic, 'k', Buffer.alloc(1500, 1))));
      expect(new Set(ids.map((i) => i.entryId)).size).to.be.at.least(3);
      const delayed = await p.produceSync(topic, 'k', 'd', { deliverAfter: 10 });
      expect(delayed.batchIndex).to.equal(undefined);
    });

    it('groups messages by key with the key-based batch builder', async () => {
      const topic = uniqueTopic('batch-keys');
      const p = await producer({ topics: [topic], batchingEnabled: true, batchBuilder: 'key_based', batchingFlushMs: 100 });
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => p.produceSync(topic, `key${i % 3}`, `v${i}`)));
      const entryOfKey = new Map<string, Set<number>>();
      ids.forEach((id, i) => {
        const k = `key${i % 3}`;
        if (!entryOfKey.has(k)) entryOfKey.set(k, new Set());
        entryOfKey.get(k)!.add(id.entryId);
      });
      const entries = [...entryOfKey.values()].map((s) => [...s]);
      expect(entries.every((e) => e.length === 1)).to.equal(true);
      expect(new Set(entries.flat()).size).to.equal(3);
    });
  });

  describe('chunking', () => {
    it('sends a 20 MiB message in chunks that the Java client reads back whole', async function () {
      this.timeout(180_000);
      const topic = uniqueTopic('chunked');
      const p = await producer({ topics: [topic], chunkingEnabled: true, maxMessageSize: 1024 * 1024, sendTimeoutMs: 120_000 });
      const big = Buffer.from(
        crypto
          .randomBytes(15 * 1024 * 1024)
          .toString('base64')
          .slice(0, 20 * 1024 * 1024),
      );
      expect(big.length).to.equal(20 * 1024 * 1024);
      await p.produceSync(topic, 'k', big);
      const stats = (await admin.topicStats(b.broker.adminUrl, topic)) as { msgInCounter: number };
      // 1 MiB chunks less the metadata each repeats: 21 entries on the broker
      expect(stats.msgInCounter).to.equal(21);
      const [javaSaw] = await javaConsume(javaHome(this, b.broker), b.broker.serviceUrl, topic, { count: 1, subscription: 'java-chunks' });
      expect(javaSaw.length).to.equal(big.length);
      expect(crypto.createHash('sha256').update(javaSaw).digest('hex')).to.equal(crypto.createHash('sha256').update(big).digest('hex'));
      const [ours] = await readBack(b.broker.serviceUrl, topic, 1);
      expect(ours.value.equals(big)).to.equal(true);
    });

    it('is refused together with batching at construction', () => {
      expect(() => new Producer<MessageId>({ chunkingEnabled: true, batchingEnabled: true }, {})).to.throw(ConfigError, /chunking/i);
    });

    it('without chunking, an oversize message fails typed', async () => {
      const topic = uniqueTopic('no-chunk');
      const p = await producer({ topics: [topic] });
      expect(await p.produceSync(topic, 'k', Buffer.alloc(5 * 1024 * 1024 + 1)).catch((e) => e)).to.be.instanceOf(MessageTooLargeError);
    });
  });

  describe('schemas', () => {
    const avro = {
      type: 'record',
      name: 'User',
      fields: [
        { name: 'name', type: 'string' },
        { name: 'age', type: 'int' },
      ],
    };

    it('registers a JSON schema and stamps its version on every message', async () => {
      const topic = uniqueTopic('schema-json');
      const p = await producer({ topics: [topic], schema: { type: 'Json', definition: avro } });
      await p.produceSync(topic, 'k', { name: 'ada', age: 36 } as never);
      const info = (await admin.getSchema(b.broker.adminUrl, topic)) as { type: string; data: string };
      expect(info.type).to.equal('JSON');
      expect(JSON.parse(info.data).name).to.equal('User');
      const [m] = await readBack(b.broker.serviceUrl, topic, 1);
      expect(m.schemaVersion).to.not.equal(undefined);
      expect(JSON.parse(m.value.toString())).to.deep.equal({ name: 'ada', age: 36 });
    });

    it('registers String and primitive schemas', async () => {
      const s = uniqueTopic('schema-string');
      await (await producer({ topics: [s], schema: { type: 'String' } })).produceSync(s, 'k', 'text');
      expect(((await admin.getSchema(b.broker.adminUrl, s)) as { type: string }).type).to.equal('STRING');
      const i = uniqueTopic('schema-int64');
      await (await producer({ topics: [i], schema: { type: 'Int64' } })).produceSync(i, 'k', 1234567890123 as never);
      expect(((await admin.getSchema(b.broker.adminUrl, i)) as { type: string }).type).to.equal('INT64');
      const [m] = await readBack(b.broker.serviceUrl, i, 1);
      expect(m.value.readBigInt64BE()).to.equal(1234567890123n);
    });

    it('fails start() with a typed error on an incompatible schema', async () => {
      const topic = uniqueTopic('schema-clash');
      await producer({ topics: [topic], schema: { type: 'Avro', definition: avro } });
      const other = { type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] };
      const e = await producer({ topics: [topic], schema: { type: 'Avro', definition: other } }).catch((x) => x);
      expect(e).to.be.instanceOf(SchemaError);
    });

    it('refuses a definition that is missing or not valid JSON/Avro', () => {
      expect(() => new Producer<MessageId>({ schema: { type: 'Avro' } }, {})).to.throw(SchemaError, /needs a definition/);
      expect(() => new Producer<MessageId>({ schema: { type: 'Json', definition: '{not json' } }, {})).to.throw(
        SchemaError,
        /not valid JSON/,
      );
      expect(() => new Producer<MessageId>({ schema: { type: 'Avro', definition: { type: 'record', fields: 3 } } }, {})).to.throw(
        SchemaError,
        /record/,
      );
    });
  });

  it('waits startupDelayMs plus jitter before registering', async () => {
    const topic = uniqueTopic('startup-delay');
    const t0 = Date.now();
    await producer({ topics: [topic], startupDelayMs: 1000, startupJitterMs: 200 });
    expect(Date.now() - t0).to.be.at.least(1000);
  });

  it('lands keys where the cross-client hash strategies say', async () => {
    const topic = uniqueTopic('cross-client');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 5);
    for (const strategy of ['murmur3_32', 'java_string_hash', 'phash2', 'murmur2', 'boost_hash'] as const) {
      const p = await producer({ topics: [topic], partitionStrategy: strategy });
      for (const key of ['alpha', 'héllo', '€uro', 'user:42']) {
        const id = await p.produceSync(topic, key, strategy);
        expect(id.partition, `${strategy} ${key}`).to.equal(partitionStrategies[strategy](topic, -1, 5, key, null));
      }
      // keyless messages go round robin
      const keyless = await Promise.all([0, 1, 2, 3, 4].map(() => p.produceSync(topic, null, 'x')));
      expect(new Set(keyless.map((i) => i.partition)).size).to.equal(5);
    }
  });

  it('starts routing to new partitions after the topic grows', async () => {
    const topic = uniqueTopic('growth');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 2);
    const p = await producer({ topics: [topic], partitionStrategy: 'round_robin', partitionsRefreshIntervalMs: 500 });
    expect(p.partitionsOf(topic)).to.equal(2);
    await admin.updatePartitions(b.broker.adminUrl, topic, 4);
    for (let i = 0; i < 40 && p.partitionsOf(topic) !== 4; i++) await sleep(250);
    expect(p.partitionsOf(topic)).to.equal(4);
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => p.produceSync(topic, `k${i}`, 'v')));
    expect(new Set(ids.map((i) => i.partition))).to.deep.equal(new Set([0, 1, 2, 3]));
  });

  describe('bad input keeps the producer usable', () => {
    it('refuses unknown compression and access modes at construction', () => {
      expect(() => new Producer<MessageId>({}, { CORTADO_COMPRESSION: 'gzip' })).to.throw(ConfigError, /none\|lz4\|zlib\|snappy\|zstd/);
      expect(() => new Producer<MessageId>({}, { CORTADO_ACCESS_MODE: 'mine' })).to.throw(ConfigError, /ExclusiveWithFencing/);
    });

    it('rejects bad per-message options one send at a time', async () => {
      const topic = uniqueTopic('bad-options');
      const p = await producer({ topics: [topic] });
      const bad = [{ properties: { n: 1 } }, { deliverAfter: -5 }, { eventTime: 'yesterday' }, { eventTime: -1 }, { eventTime: 1.5 }];
      for (const o of bad) {
        const e = await p.produceSync(topic, 'k', 'v', o as never).catch((x) => x);
        expect(e, JSON.stringify(o)).to.be.instanceOf(InvalidArgumentError);
      }
      expect((await p.produceSync(topic, 'k', 'still fine')).entryId).to.be.a('number');
    });
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import { Consumer, Message, RecordMetadata } from '../../lib';
import { javaProduce, JavaProduceRecord } from '../../tools/kafka-java';
import { kafkaSuite } from '../support/kafka-broker';

const RUN = crypto.randomBytes(3).toString('hex');
const topicName = (base: string) => `${base}-${RUN}`;

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The partitions the group gave a consumer now (the façade's open sources). */
const owned = (c: Consumer): number => (c as unknown as { consumers: Map<string, unknown> }).consumers.size;
const offsetOf = (m: Message): number => (m.messageId as RecordMetadata).offset;

describe('Kafka consumer group against a real Kafka broker', function () {
  this.timeout(240_000);
  const open: Consumer[] = [];
  const k = kafkaSuite(open);

  function consumer(opts: ConstructorParameters<typeof Consumer>[0]): Consumer {
    const c = new Consumer({ url: k.broker.bootstrap, heartbeatIntervalMs: 500, offsetCommitIntervalMs: 500, ...opts }, {});
    open.push(c);
    return c;
  }

  it('reads what the Java producer wrote (keys, null keys and values, headers, timestamps, every codec) with the same fields', async () => {
    const topic = topicName('kc-java');
    await k.admin.createPartitionedTopic(topic, 1);
    const at = Date.UTC(2026, 5, 1, 2, 3, 4);
    const sent: JavaProduceRecord[] = [];
    for (const codec of ['none', 'gzip', 'lz4', 'zstd', 'snappy']) {
      const batch: JavaProduceRecord[] = [];
      for (let i = 0; i < 8; i++) {
        batch.push({
          key: i === 0 ? null : `${codec}-key-${i}`,
          value: i === 1 ? null : `${codec}-value-${i}-${'x'.repeat(i * 40)}`,
          partition: 0,
          headers: [
            ['codec', codec],
            ['n', String(i)],
          ],
          timestamp: at + sent.length + i,
        });
      }
      await javaProduce(k.broker, topic, batch, { clientConfig: { 'compression.type': codec, 'linger.ms': '200' } });
      sent.push(...batch);
    }
    const got: Message[] = [];
    const c = consumer({
      topics: [topic],
      subscription: `g-java-${RUN}`,
      subscriptionInitialPosition: 'earliest',
      handleMessages: (msgs) => {
        got.push(...msgs);
      },
    });
    await c.start();
    await until('every record', () => got.length >= sent.length).catch((e: Error) => {
      throw new Error(`${e.message}: ${got.length} of ${sent.length} handled, ${owned(c)} partitions owned`);
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).to.have.length(sent.length);
    got.forEach((m, i) => {
      const s = sent[i];
      expect(m.topic).to.equal(topic);
      expect(m.partition).to.equal(0);
      expect(m.messageId).to.be.instanceOf(RecordMetadata);
      expect(offsetOf(m)).to.equal(i);
      expect(m.key).to.equal(s.key === null ? undefined : s.key);
      expect(m.keyBytes?.toString()).to.equal(s.key === null ? undefined : s.key);
      expect(m.nullValue).to.equal(s.value === null);
      expect(m.value.toString()).to.equal(s.value ?? '');
      expect(m.properties).to.deep.equal(Object.fromEntries(s.headers!));
      expect(m.publishTime).to.equal(s.timestamp);
      expect(m.eventTime).to.equal(s.timestamp);
      expect((m.messageId as RecordMetadata).timestamp).to.equal(s.timestamp);
      expect(m.producerName).to.equal('');
      expect(m.sequenceId).to.equal(-1);
      expect(m.redeliveryCount).to.equal(0);
    });
  });

  it('two consumers of one group share a 6-partition topic; closing one hands its partitions over at the committed offsets', async () => {
    const topic = topicName('kc-group');
    const group = `g-share-${RUN}`;
    await k.admin.createPartitionedTopic(topic, 6);
    const handled = new Map<string, string[]>();
    const active = new Map<number, string>();
    const overlaps: string[] = [];
    const handler = (name: string) => async (msgs: Message[]) => {
      const p = msgs[0].partition;
      const other = active.get(p);
      if (other !== undefined && other !== name) overlaps.push(`${p}: ${name} while ${other}`);
      active.set(p, name);
      await new Promise((r) => setTimeout(r, 2));
      for (const m of msgs) {
        const k = `${m.partition}@${offsetOf(m)}`;
        handled.set(k, [...(handled.get(k) ?? []), name]);
      }
      active.delete(p);
    };
    const a = consumer({ topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest', handleMessages: handler('a') });
    const b = consumer({ topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest', handleMessages: handler('b') });
    await Promise.all([a.start(), b.start()]);
    await until('the group to settle at 3 + 3', () => owned(a) === 3 && owned(b) === 3);

    const records = (from: number, n: number): JavaProduceRecord[] =>
      Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}`, partition: (from + i) % 6 }));
    await javaProduce(k.broker, topic, records(0, 300));
    await until('the first 300 records', () => handled.size >= 300);
    const byA = new Set([...handled].filter(([, who]) => who.includes('a')).map(([k]) => k.split('@')[0]));
    const byB = new Set([...handled].filter(([, who]) => who.includes('b')).map(([k]) => k.split('@')[0]));
    expect(byA.size).to.equal(3);
    expect(byB.size).to.equal(3);
    expect([...byA].filter((p) => byB.has(p))).to.deep.equal([]);

    await a.close();
    await until('b to own all 6 partitions', () => owned(b) === 6);
    await javaProduce(k.broker, topic, records(300, 300));
    await until('all 600 records', () => handled.size >= 600);
    await new Promise((r) => setTimeout(r, 500));
    expect(overlaps).to.deep.equal([]);
    expect(handled.size).to.equal(600);
    // b started a's partitions where a committed: nothing handled twice
    const twice = [...handled].filter(([, who]) => who.length > 1).map(([k]) => k);
    expect(twice).to.deep.equal([]);
    for (const [k, who] of handled) if (Number(k.split('@')[1]) >= 50) expect(who, k).to.deep.equal(['b']);
  });

  it('a member joining mid-stream waits for the running handlers of the partitions it takes: no overlap, no loss, no repeat', async () => {
    const topic = topicName('kc-midstream');
    const group = `g-mid-${RUN}`;
    await k.admin.createPartitionedTopic(topic, 4);
    await javaProduce(
      k.broker,
      topic,
      Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 4 })),
    );
    const handled = new Map<string, string[]>();
    const active = new Map<number, string>();
    const overlaps: string[] = [];
    const handler = (name: string) => async (msgs: Message[]) => {
      const p = msgs[0].partition;
      const other = active.get(p);
      if (other !== undefined && other !== name) overlaps.push(`${p}: ${name} while ${other}`);
      active.set(p, name);
      // slow batches, so the rebalance meets handlers that are running
      await new Promise((r) => setTimeout(r, 150));
      for (const m of msgs) {
        const k = `${m.partition}@${offsetOf(m)}`;
        handled.set(k, [...(handled.get(k) ?? []), name]);
      }
      active.delete(p);
    };
    const opts = { topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' as const, maxHandlerBatch: 10 };
    const a = consumer({ ...opts, handleMessages: handler('a') });
    await a.start();
    await until('a to be under way', () => handled.size >= 40);
    const b = consumer({ ...opts, handleMessages: handler('b') });
    await b.start();
    await until('all 400 records', () => handled.size >= 400, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(overlaps).to.deep.equal([]);
    expect(handled.size).to.equal(400);
    expect([...handled.values()].some((who) => who[0] === 'b')).to.equal(true);
    const twice = [...handled].filter(([, who]) => who.length > 1).map(([k]) => k);
    expect(twice).to.deep.equal([]);
  });

  it('a handler that throws nacks its records: the partition seeks back and hands them over again after the delay', async () => {
    const topic = topicName('kc-nack');
    await k.admin.createPartitionedTopic(topic, 1);
    await javaProduce(
      k.broker,
      topic,
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })),
    );
    const seen: number[] = [];
    let failed = false;
    const errors: Error[] = [];
    const c = consumer({
      topics: [topic],
      subscription: `g-nack-${RUN}`,
      subscriptionInitialPosition: 'earliest',
      negativeAckRedeliveryDelayMs: 300,
      maxHandlerBatch: 5,
      handleMessages: (msgs) => {
        if (!failed && msgs.some((m) => offsetOf(m) === 7)) {
          failed = true;
          throw new Error('once');
        }
        seen.push(...msgs.map(offsetOf));
      },
    });
    c.on('handlerError', (err) => errors.push(err));
    await c.start();
    await until('offset 19', () => seen.includes(19));
    await new Promise((r) => setTimeout(r, 500));
    expect(errors.map((e) => e.message)).to.deep.equal(['once']);
    // the failed batch (5..9) came again, in order, and nothing before it did
    expect(seen).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
  });

  it('a consumer restarted in its group resumes after its committed offset (for await)', async () => {
    const topic = topicName('kc-resume');
    const group = `g-resume-${RUN}`;
    await k.admin.createPartitionedTopic(topic, 2);
    const producer = k.client.producer({ topics: [topic] });
    await producer.start();
    for (let i = 0; i < 20; i++) await producer.produceSync(topic, `k${i}`, `first-${i}`);

    const first = consumer({ topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' });
    await first.start();
    let n = 0;
    for await (const m of first) {
      expect(m.value.toString()).to.match(/^first-/);
      first.ack(m);
      if (++n === 20) break;
    }
    await first.close();

    for (let i = 0; i < 10; i++) await producer.produceSync(topic, `k${i}`, `second-${i}`);
    await producer.close();
    const again = consumer({ topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' });
    await again.start();
    const seen: string[] = [];
    for await (const m of again) {
      seen.push(m.value.toString());
      again.ack(m);
      if (seen.length === 10) break;
    }
    // nothing more arrives: the first 20 were committed
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `second-${i}`).sort());
    expect((again as unknown as { inbox: Message[] }).inbox).to.have.length(0);
  });
});

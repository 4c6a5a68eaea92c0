import { expect } from 'chai';
import * as crypto from 'crypto';
import { Client, KafkaAdmin, RecordMetadata } from '../../lib';
import type { KafkaBroker } from '../../tools/kafka-broker';
import { findKcat, Kcat, kcatConsume } from '../../tools/kcat';
import { getKafkaBroker } from '../support/kafka-broker';

const RUN = crypto.randomBytes(3).toString('hex');

// kcat (librdkafka) reads what cortado writes, with each codec; skipped, saying why, where kcat is missing.
describe('kcat reads what cortado writes to a real Kafka broker', function () {
  this.timeout(180_000);
  let kcat: Kcat;
  let broker: KafkaBroker;
  let client: Client;

  before(async function () {
    this.timeout(300_000);
    const found = findKcat();
    if (typeof found === 'string') {
      console.log(`      skipped: ${found}`);
      this.skip();
    }
    kcat = found as Kcat;
    broker = await getKafkaBroker();
    client = new Client({ url: broker.bootstrap }, {});
  });

  after(async () => {
    await client?.close();
  });

  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${compression}: keyed and keyless records, headers and a 200 KiB value come out of kcat as sent`, async () => {
      const topic = `k-kcat-${compression}-${RUN}`;
      await (client.admin() as KafkaAdmin).createPartitionedTopic(topic, 2);
      const p = client.producer<RecordMetadata>({ topics: [topic], compression, batchingEnabled: true, batchingFlushMs: 5 });
      await p.start();
      const sent = Array.from({ length: 30 }, (_, i) => ({
        key: i % 5 === 0 ? null : `key-${i}`,
        value: i === 7 ? 'L'.repeat(200 * 1024) : `value-${i}-${compression}`,
        properties: { n: String(i), codec: compression },
      }));
      try {
        await Promise.all(sent.map((m) => p.produce(topic, m.key, m.value, { properties: m.properties })));
      } finally {
        await p.close();
      }
      const read = await kcatConsume(kcat, broker.hostPorts[0], topic);
      const asText = (r: { key: string | null; value: string; properties: Record<string, string> }) =>
        JSON.stringify([r.key, r.value, Object.entries(r.properties).sort()]);
      const got = read.map((r) => {
        const h = r.headers ?? [];
        const properties: Record<string, string> = {};
        for (let i = 0; i < h.length; i += 2) properties[h[i] as string] = h[i + 1] as string;
        return asText({ key: r.key, value: r.payload ?? '', properties });
      });
      expect(got.sort()).to.deep.equal(sent.map(asText).sort());
    });
  }
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import { Client, KafkaAdmin, RecordMetadata } from '../../lib';
import { getKafkaBroker } from '../support/kafka-broker';

// Keyless records under murmur2 follow Kafka's uniform sticky partitioner (KIP-794), through a real broker.
describe('Kafka sticky partitioning of keyless records, against a real Kafka broker', function () {
  this.timeout(180_000);
  let client: Client;

  before(async function () {
    this.timeout(300_000);
    client = new Client({ url: (await getKafkaBroker()).bootstrap }, {});
  });

  after(async () => {
    await client?.close();
  });

  it('keyless records stay on one partition for a batch (batchingMaxBytes) and spread over partitions across batches', async () => {
    const topic = `k-sticky-${crypto.randomBytes(3).toString('hex')}`;
    await (client.admin() as KafkaAdmin).createPartitionedTopic(topic, 4);
    const p = client.producer<RecordMetadata>({
      topics: [topic],
      partitionStrategy: 'murmur2',
      batchingEnabled: true,
      batchingFlushMs: 5,
      batchingMaxBytes: 16 * 1024,
    });
    await p.start();
    try {
      // 1 KiB values, 16 KiB batches: sixteen records a partition, then a new pick
      const value = Buffer.alloc(1024, 'x');
      const rs = await Promise.all(Array.from({ length: 160 }, () => p.produce(topic, null, value)));
      for (let w = 0; w < 160; w += 16) {
        const batch = rs.slice(w, w + 16);
        expect(new Set(batch.map((r) => r.partition)).size, `records ${w}..${w + 15}`).to.equal(1);
        // stored side by side: consecutive offsets on that partition
        batch.forEach((r, i) => expect(r.offset).to.equal(batch[0].offset + i));
      }
      // ten picks among four partitions: all ten equal has odds of 1 in 262,144
      expect(new Set(rs.map((r) => r.partition)).size).to.be.above(1);
    } finally {
      await p.close();
    }
  });
});

import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { driverMain, hostPortsOf, KafkaTask, measure, measureConsume } from './kafka-task';
import type { RunResult } from './run-result';

// kafkajs, the second reference of `npm run bench -- --backend kafka`: the same sends as
// bench/kafka-driver.ts. kafkajs has no linger or batch size (each send() is one request) and no
// LZ4 or ZSTD codec without plugins, so the bench gives it only the uncompressed rows.

async function produce(t: KafkaTask): Promise<RunResult> {
  if (t.compression !== 'none') throw new Error(`kafkajs ships no ${t.compression} codec`);
  const kafka = new Kafka({ clientId: 'cortado-bench', brokers: hostPortsOf(t.url), logLevel: logLevel.ERROR });
  // kafkajs accepts 5 here, but its idempotent producer holds a per-broker lock around each Produce
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const value = Buffer.alloc(t.size, 'x');
    return await measure(t, (key) =>
      producer.send({ topic: t.topic, acks: -1, timeout: 60_000, compression: CompressionTypes.None, messages: [{ key, value }] }),
    );
  } finally {
    await producer.disconnect();
  }
}

// a group member from the earliest offset, one eachBatch per partition batch, its default commits
function consume(t: KafkaTask): Promise<RunResult> {
  return measureConsume(t, async (onRecords) => {
    const kafka = new Kafka({ clientId: 'cortado-bench', brokers: hostPortsOf(t.url), logLevel: logLevel.ERROR });
    const consumer = kafka.consumer({ groupId: t.group! });
    await consumer.connect();
    await consumer.subscribe({ topic: t.topic, fromBeginning: true });
    await consumer.run({ eachBatch: ({ batch }) => Promise.resolve(onRecords(batch.messages.length)) });
    return () => consumer.disconnect();
  });
}

driverMain((t) => (t.mode === 'consume' ? consume(t) : produce(t)));

import { Consumer, Producer, RecordMetadata } from '../lib';
import { driverMain, KafkaTask, measure, measureConsume } from './kafka-task';
import type { RunResult } from './run-result';

// The cortado side of `npm run bench -- --backend kafka`: one scenario per process, so CPU time and
// peak RSS are its own. bench/java/KafkaBench.java and bench/kafkajs-driver.ts do the same work.

async function produce(t: KafkaTask): Promise<RunResult> {
  const producer = new Producer<RecordMetadata>(
    {
      url: t.url,
      topics: [t.topic],
      sendTimeoutMs: 60_000,
      batchingEnabled: t.lingerMs > 0,
      batchingMaxMessages: 10_000,
      batchingMaxBytes: t.batchBytes,
      batchingFlushMs: Math.max(1, t.lingerMs),
      compression: t.compression,
      // Kafka's own partitioner, as the Java producer and kafkajs route keys
      partitionStrategy: 'murmur2',
    },
    {},
  );
  await producer.start();
  try {
    const value = Buffer.alloc(t.size, 'x');
    return await measure(t, (key) => producer.produceSync(t.topic, key, value));
  } finally {
    await producer.close();
  }
}

// a group member from the earliest offset, handleMessages per partition batch, commits every 5 s (the Java default's interval)
function consume(t: KafkaTask): Promise<RunResult> {
  return measureConsume(t, async (onRecords) => {
    const c = new Consumer(
      {
        url: t.url,
        topics: [t.topic],
        subscription: t.group!,
        subscriptionInitialPosition: 'earliest',
        handleMessages: (msgs) => onRecords(msgs.length),
      },
      {},
    );
    await c.start();
    return () => c.close();
  });
}

driverMain((t) => (t.mode === 'consume' ? consume(t) : produce(t)));

import * as path from 'path';
import { driverMain, hostPortsOf, KafkaTask, measure } from './kafka-task';
import type { RunResult } from './run-result';

// @platformatic/kafka 2.x, a reference of `npm run bench -- --backend kafka` run on Node >= 22.22
// (bench/platformatic.ts installs it into the cache, outside the project's dependencies): the same
// sends as bench/kafka-driver.ts. Each send() is one Produce request (its linger lives only in its
// stream API), and its idempotent producer keeps one request in flight.

// the few parts of its API this driver uses; the package is ESM-only: compiled to CommonJS, import() becomes a
// require(), which loads ES modules on Node >= 22.12
interface PlatformaticProducer {
  send(options: { messages: Array<{ topic: string; key: Buffer; value: Buffer }> }): Promise<unknown>;
  close(): Promise<void>;
}
interface PlatformaticKafka {
  Producer: new (options: Record<string, unknown>) => PlatformaticProducer;
  compatibilityPartitioner: unknown;
}

async function produce(t: KafkaTask): Promise<RunResult> {
  const dir = process.env.CORTADO_PLATFORMATIC_DIR;
  if (!dir) throw new Error('CORTADO_PLATFORMATIC_DIR must name the prefix @platformatic/kafka is installed under');
  const kafka = (await import(path.join(dir, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js'))) as PlatformaticKafka;
  const producer = new kafka.Producer({
    clientId: 'cortado-bench',
    bootstrapBrokers: hostPortsOf(t.url),
    idempotent: true,
    acks: -1,
    timeout: 60_000,
    autocreateTopics: false,
    // Java's murmur2 partitioner, as the other drivers route keys
    partitioner: kafka.compatibilityPartitioner,
    ...(t.compression === 'none' ? {} : { compression: t.compression }),
  });
  const keys = new Map<string, Buffer>();
  const keyOf = (k: string) => keys.get(k) ?? keys.set(k, Buffer.from(k)).get(k)!;
  try {
    const value = Buffer.alloc(t.size, 'x');
    return await measure(t, (key) => producer.send({ messages: [{ topic: t.topic, key: keyOf(key), value }] }));
  } finally {
    await producer.close();
  }
}

driverMain(produce);

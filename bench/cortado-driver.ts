import { Consumer, Producer, MessageId } from '../lib';
import { DriverTask, peakRssMb, percentile, RESULT_PREFIX, RunResult } from './run-result';

// The cortado side of `npm run bench`: one scenario per process, so CPU time and peak RSS are
// its own. The Java side (bench/java/CortadoBench.java) does the same work step for step.

const KEYS = Array.from({ length: 1000 }, (_, i) => `k${i}`);

function producerOf(t: DriverTask): Producer {
  return new Producer<MessageId>(
    {
      url: t.url,
      topics: [t.topic],
      sendTimeoutMs: 60_000,
      batchingEnabled: t.batching,
      batchingMaxMessages: 1000,
      batchingMaxBytes: 128 * 1024,
      batchingFlushMs: 10,
      compression: t.compression,
    },
    {},
  );
}

// n sends, at most inFlight waiting for their receipt; lat[i] = ms from send to receipt
async function sendAll(producer: Producer, topic: string, value: Buffer, n: number, inFlight: number, lat: Float64Array): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < n) {
      const i = next++;
      // a double clock: a bigint per reading would cost the loop more than Java's nanoTime does
      const s = performance.now();
      await producer.produceSync(topic, KEYS[i % KEYS.length], value);
      lat[i] = performance.now() - s;
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

async function produce(t: DriverTask): Promise<RunResult> {
  const producer = producerOf(t);
  await producer.start();
  try {
    const value = Buffer.alloc(t.size, 'x');
    await sendAll(producer, t.topic, value, t.warmup, t.inFlight, new Float64Array(t.warmup));
    const lat = new Float64Array(t.messages);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sendAll(producer, t.topic, value, t.messages, t.inFlight, lat);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuSec = cpuSecondsSince(cpu0);
    lat.sort();
    return { messages: t.messages, seconds, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), cpuSec, rssMb: peakRssMb() };
  } finally {
    await producer.close();
  }
}

async function consume(t: DriverTask): Promise<RunResult> {
  const consumer = new Consumer(
    { url: t.url, topics: [t.topic], subscription: t.subscription, subscriptionInitialPosition: 'earliest', receiverQueueSize: 1000 },
    {},
  );
  await consumer.start();
  try {
    const it = consumer[Symbol.asyncIterator]();
    const take = async () => {
      const r = await it.next();
      if (r.done) throw new Error('the consumer closed before the backlog was read');
      consumer.ack(r.value);
      return r.value.value.length;
    };
    for (let i = 0; i < t.warmup; i++) await take();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < t.messages; i++) bytes += await take();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuSec = cpuSecondsSince(cpu0);
    if (bytes === 0 && t.messages > 0) throw new Error('received only empty payloads');
    return { messages: t.messages, seconds, p50Ms: null, p99Ms: null, cpuSec, rssMb: peakRssMb() };
  } finally {
    await consumer.close();
  }
}

// Writes the backlog a consume run reads: warmup + messages, 1,000 in flight.
async function fill(t: DriverTask): Promise<RunResult> {
  const producer = producerOf(t);
  await producer.start();
  try {
    const n = t.warmup + t.messages;
    await sendAll(producer, t.topic, Buffer.alloc(t.size, 'y'), n, 1000, new Float64Array(n));
    return { messages: n, seconds: 0, p50Ms: null, p99Ms: null, cpuSec: 0, rssMb: peakRssMb() };
  } finally {
    await producer.close();
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as DriverTask;
  const result = await (task.mode === 'consume' ? consume(task) : task.mode === 'fill' ? fill(task) : produce(task));
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

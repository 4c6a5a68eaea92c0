import * as os from 'os';
import { Producer, ProducerOptions } from '../lib';
import { startPulsar, PulsarBroker } from '../harness/pulsar-standalone';
import { createPartitionedTopic } from '../harness/admin';

// npm run bench: messages/s and latency percentiles against a local broker (started when
// CORTADO_URL is unset). Not part of the test suite; figures go into README by hand.

interface Row {
  name: string;
  messages: number;
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const SIZE = 1024;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(name: string, url: string, topic: string, messages: number, inFlight: number, opts: ProducerOptions): Promise<Row> {
  const producer = new Producer({ url, topics: [topic], sendTimeoutMs: 60_000, ...opts }, {});
  await producer.start();
  const value = Buffer.alloc(SIZE, 'x');
  // warm-up so connection setup and JIT do not count
  await Promise.all(Array.from({ length: Math.min(500, messages) }, (_, i) => producer.produceSync(topic, `k${i}`, value)));
  const lat: number[] = new Array(messages);
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function lane(): Promise<void> {
    while (next < messages) {
      const i = next++;
      const s = process.hrtime.bigint();
      await producer.produceSync(topic, `k${i % 1000}`, value);
      lat[i] = Number(process.hrtime.bigint() - s) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.close();
  lat.sort((a, b) => a - b);
  return { name, messages, msgPerSec: Math.round(messages / secs), p50Ms: +percentile(lat, 50).toFixed(2), p99Ms: +percentile(lat, 99).toFixed(2) };
}

async function main(): Promise<void> {
  let broker: PulsarBroker | undefined;
  let url = process.env.CORTADO_URL;
  let adminUrl = process.env.CORTADO_ADMIN_URL;
  if (!url) {
    broker = await startPulsar();
    url = broker.serviceUrl;
    adminUrl = broker.adminUrl;
  }
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const rows: Row[] = [];
  const topic = (s: string) => `persistent://public/default/bench-${s}-${Date.now()}`;
  try {
    rows.push(await run('produceSync sequential (1 in flight)', url, topic('seq'), 3000 * scale, 1, {}));
    rows.push(await run('produceSync, 1000 in flight', url, topic('conc'), 50_000 * scale, 1000, {}));
    const part = topic('part4');
    if (adminUrl) await createPartitionedTopic(adminUrl, part, 4);
    rows.push(await run('produceSync, 1000 in flight, 4 partitions', url, part, 50_000 * scale, 1000, {}));
    for (const compression of ['none', 'lz4', 'zlib', 'snappy', 'zstd'] as const) {
      rows.push(
        await run(`batched (${compression}), 1000 in flight`, url, topic(`batch-${compression}`), 100_000 * scale, 1000, {
          batchingEnabled: true,
          compression,
        }),
      );
    }
  } finally {
    await broker?.stop();
  }
  console.log(`\nmachine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${SIZE}-byte messages`);
  console.log('| run | messages | msg/s | p50 ms | p99 ms |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.messages} | ${r.msgPerSec} | ${r.p50Ms} | ${r.p99Ms} |`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

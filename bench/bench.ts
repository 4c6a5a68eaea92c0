import { execFile } from 'child_process';
import { promisify } from 'util';
import * as os from 'os';
import * as path from 'path';
import { Consumer, Producer, ProducerOptions } from '../lib';
import type { PulsarBroker } from '../harness/pulsar-standalone';
import { createPartitionedTopic } from '../harness/admin';
import { startBrokerWithProgress } from '../cli/broker';
import { waitWith } from '../cli/progress';

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

async function runRound(name: string, url: string, topic: string, messages: number, inFlight: number, opts: ProducerOptions): Promise<Row> {
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

// The official Java load tool on the same broker: rate from 'Created producers' to 'DONE' in its log.
async function pulsarPerfRound(name: string, home: string, url: string, topic: string, messages: number, batched: boolean): Promise<Row> {
  const args = ['produce', '-u', url, '-r', '10000000', '-s', String(SIZE), '-m', String(messages), '-o', '1000', ...(batched ? [] : ['-db']), topic];
  // asynchronous, so the progress line keeps moving while Java runs
  const { stdout: out } = await promisify(execFile)(path.join(home, 'bin', 'pulsar-perf'), args, { env: { ...process.env, PULSAR_MEM: '-Xmx512m' }, maxBuffer: 64 << 20 });
  const at = (re: RegExp) => {
    const line = out.split('\n').find((l) => re.test(l));
    return line ? Date.parse(line.slice(0, 23).replace(',', '.') + 'Z') : NaN;
  };
  const secs = (at(/DONE \(reached the maximum/) - at(/Created \d+ producers/)) / 1000;
  const lat = /Aggregated latency stats .* med:\s+([\d.]+) .* 99pct:\s+([\d.]+)/.exec(out);
  return { name, messages, msgPerSec: Math.round(messages / secs), p50Ms: lat ? Number(lat[1]) : NaN, p99Ms: lat ? Number(lat[2]) : NaN };
}

// Fills a topic with a backlog, then reads it whole from the earliest position with for-await.
async function consumeRound(name: string, url: string, topic: string, messages: number, opts: ProducerOptions): Promise<Row> {
  const producer = new Producer({ url, topics: [topic], sendTimeoutMs: 60_000, ...opts }, {});
  await producer.start();
  const value = Buffer.alloc(SIZE, 'y');
  for (let i = 0; i < messages; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, messages - i) }, (_, j) => producer.produce(topic, `k${(i + j) % 1000}`, value)));
  }
  await producer.close();
  const consumer = new Consumer({ url, topics: [topic], subscription: 'bench', subscriptionInitialPosition: 'earliest' }, {});
  const t0 = process.hrtime.bigint();
  await consumer.start();
  let n = 0;
  for await (const m of consumer) {
    consumer.ack(m);
    if (++n === messages) break;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await consumer.close();
  return { name, messages, msgPerSec: Math.round(messages / secs), p50Ms: NaN, p99Ms: NaN };
}

// Each round shows its name and elapsed time on a live line while it runs.
const run = (...a: Parameters<typeof runRound>) => waitWith(`bench: ${a[0]}`, runRound(...a));
const consume = (...a: Parameters<typeof consumeRound>) => waitWith(`bench: ${a[0]}`, consumeRound(...a));
const pulsarPerf = (...a: Parameters<typeof pulsarPerfRound>) => waitWith(`bench: ${a[0]}`, pulsarPerfRound(...a));

async function main(): Promise<void> {
  let broker: PulsarBroker | undefined;
  let url = process.env.CORTADO_URL;
  let adminUrl = process.env.CORTADO_ADMIN_URL;
  if (!url) {
    broker = await startBrokerWithProgress();
    url = broker.serviceUrl;
    adminUrl = broker.adminUrl;
  }
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const rows: Row[] = [];
  // BENCH_ONLY=<text> runs only the rows whose name contains it
  const only = process.env.BENCH_ONLY;
  const want = (n: string) => !only || n.includes(only);
  const topic = (s: string) => `persistent://public/default/bench-${s}-${Date.now()}`;
  try {
    if (want('produceSync sequential (1 in flight)')) rows.push(await run('produceSync sequential (1 in flight)', url, topic('seq'), 3000 * scale, 1, {}));
    if (want('produceSync, 1000 in flight')) rows.push(await run('produceSync, 1000 in flight', url, topic('conc'), 50_000 * scale, 1000, {}));
    const part = topic('part4');
    if (adminUrl && want('4 partitions')) await createPartitionedTopic(adminUrl, part, 4);
    if (want('produceSync, 1000 in flight, 4 partitions')) rows.push(await run('produceSync, 1000 in flight, 4 partitions', url, part, 50_000 * scale, 1000, {}));
    for (const compression of ['none', 'lz4', 'zlib', 'snappy', 'zstd'] as const) {
      if (want(`batched (${compression})`)) rows.push(
        await run(`batched (${compression}), 1000 in flight`, url, topic(`batch-${compression}`), 100_000 * scale, 1000, {
          batchingEnabled: true,
          compression,
        }),
      );
    }
    const home = broker?.home ?? process.env.CORTADO_PULSAR_HOME;
    if (home && want('pulsar-perf')) {
      rows.push(await pulsarPerf('pulsar-perf (Java client), 1000 outstanding, not batched', home, url, topic('perf'), 50_000 * scale, false));
      rows.push(await pulsarPerf('pulsar-perf (Java client), 1000 outstanding, batched', home, url, topic('perf-batch'), 100_000 * scale, true));
    }
    if (want('consume backlog, not batched')) rows.push(await consume('consume backlog, not batched', url, topic('cons'), 50_000 * scale, {}));
    if (want('consume backlog, batched (lz4)')) rows.push(await consume('consume backlog, batched (lz4)', url, topic('cons-batch'), 200_000 * scale, { batchingEnabled: true, compression: 'lz4' }));
  } finally {
    await broker?.stop();
  }
  console.log(`\nmachine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${SIZE}-byte messages`);
  console.log('| run | messages | msg/s | p50 ms | p99 ms |\n|---|---|---|---|---|');
  const ms = (v: number) => (Number.isNaN(v) ? '—' : String(v));
  for (const r of rows) console.log(`| ${r.name} | ${r.messages} | ${r.msgPerSec} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} |`);
  const rate = (n: string) => rows.find((r) => r.name.startsWith(n))?.msgPerSec;
  const ratio = (ours: string, theirs: string) => {
    const a = rate(ours);
    const b = rate(theirs);
    if (a && b) console.log(`${ours} / ${theirs}: ${(a / b).toFixed(2)}`);
  };
  ratio('produceSync, 1000 in flight', 'pulsar-perf (Java client), 1000 outstanding, not batched');
  ratio('batched (none)', 'pulsar-perf (Java client), 1000 outstanding, batched');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

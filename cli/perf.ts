import { performance } from 'perf_hooks';
import { Consumer, Producer, type ProducerOptions } from '../lib';
import { formatTable, LatencyRecorder, ms } from './latency';
import { liveLine } from './progress';
import { consumerOptionsOf, producerOptionsOf, type ProducerFlags, type SubscriberFlags } from './options';

const LIVE_PS = [50, 99];
const FINAL_PS = [50, 95, 99, 99.9, 100];

export interface PerfProduceFlags extends ProducerFlags {
  rate: number;
  messages: number;
  duration: number;
  size: number;
  inFlight: number;
  keys: number;
  interval: number;
}

interface Run {
  t0: number;
  count(): number;
  bytes(): number;
  errors(): number;
  latencies: LatencyRecorder;
}

/** Reprints the run's rate and window percentiles every interval; returns a stop function. */
function reporter(what: string, run: Run, intervalMs: number, total: number): () => void {
  const line = liveLine(`${what}: starting`, intervalMs);
  let lastCount = 0;
  let lastAt = run.t0;
  const tick = () => {
    const now = performance.now();
    const n = run.count();
    const rate = ((n - lastCount) * 1000) / Math.max(1, now - lastAt);
    const [p50, p99] = run.latencies.takeWindow(LIVE_PS);
    lastCount = n;
    lastAt = now;
    const of = total > 0 ? `/${total}` : '';
    line.update(
      `${what}: ${n}${of} msgs  ${rate.toFixed(0)} msg/s  p50 ${ms(p50)} ms  p99 ${ms(p99)} ms  errors ${run.errors()}  ${((now - run.t0) / 1000).toFixed(0)} s`,
    );
  };
  const timer = setInterval(tick, intervalMs);
  return () => {
    clearInterval(timer);
    tick();
    line.stop();
  };
}

function finalTable(run: Run, what: string): string {
  const secs = (performance.now() - run.t0) / 1000;
  const n = run.count();
  const [p50, p95, p99, p999, max] = run.latencies.overall(FINAL_PS);
  return formatTable(
    ['run', 'messages', 'errors', 'seconds', 'msg/s', 'MB/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p99.9 ms', 'max ms'],
    [
      [
        what,
        n,
        run.errors(),
        secs.toFixed(2),
        (n / secs).toFixed(0),
        (run.bytes() / secs / 1e6).toFixed(2),
        ms(p50),
        ms(p95),
        ms(p99),
        ms(p999),
        ms(max),
      ],
    ],
  );
}

function onSignal(stop: () => void): () => void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/** cortado perf produce: sends at --rate (0 = as fast as --in-flight allows) until --messages or --duration; live line, then a table. */
export async function perfProduceCommand(topic: string, f: PerfProduceFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const producer = new Producer(producerOptionsOf(f) as ProducerOptions);
  await producer.start();
  const payload = Buffer.alloc(f.size, 0x61);
  const keys = Array.from({ length: f.keys }, (_, i) => `key-${i}`);
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let inFlight = 0;
  let firstError: Error | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const latencies = new LatencyRecorder();
  const t0 = performance.now();
  const run: Run = { t0, count: () => acked, bytes: () => acked * f.size, errors: () => errors, latencies };
  const stopReporter = reporter('perf produce', run, f.interval, f.messages);
  const offSignal = onSignal(() => {
    stopped = true;
    wake?.();
  });
  const deadline = f.duration > 0 ? t0 + f.duration * 1000 : Infinity;
  const settle = () => {
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  try {
    while (!stopped && (f.messages === 0 || sent < f.messages) && performance.now() < deadline) {
      if (inFlight >= f.inFlight) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      // the rate schedule: message i is due at t0 + i / rate
      const early = f.rate > 0 ? t0 + (sent * 1000) / f.rate - performance.now() : 0;
      if (early > 1) {
        await new Promise((r) => setTimeout(r, Math.min(early, 50)));
        continue;
      }
      const key = keys.length > 0 ? keys[sent % keys.length] : null;
      const started = performance.now();
      inFlight++;
      sent++;
      producer.produce(topic, key, payload).then(
        () => {
          latencies.record(performance.now() - started);
          acked++;
          settle();
        },
        (err: Error) => {
          errors++;
          firstError ??= err;
          settle();
        },
      );
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  } finally {
    offSignal();
    stopReporter();
    await producer.close();
  }
  out.write(`${finalTable(run, 'produce')}\n`);
  if (firstError) process.stderr.write(`first error: ${firstError.message}\n`);
}

export interface PerfConsumeFlags extends SubscriberFlags {
  messages: number;
  duration: number;
  interval: number;
}

/** cortado perf consume: receives and acknowledges until --messages or --duration; latency is publish time to receipt. */
export async function perfConsumeCommand(topic: string, f: PerfConsumeFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const consumer = new Consumer(consumerOptionsOf(topic, f));
  await consumer.start();
  let received = 0;
  let bytes = 0;
  const latencies = new LatencyRecorder();
  const t0 = performance.now();
  const run: Run = { t0, count: () => received, bytes: () => bytes, errors: () => 0, latencies };
  const stopReporter = reporter('perf consume', run, f.interval, f.messages);
  const stop = () => void consumer.close();
  const offSignal = onSignal(stop);
  const timer = f.duration > 0 ? setTimeout(stop, f.duration * 1000) : undefined;
  try {
    for await (const m of consumer) {
      latencies.record(Math.max(0, Date.now() - m.publishTime));
      received++;
      bytes += m.value.length;
      consumer.ack(m);
      if (f.messages > 0 && received >= f.messages) break;
    }
  } finally {
    clearTimeout(timer);
    offSignal();
    stopReporter();
    await consumer.close();
  }
  out.write(`${finalTable(run, 'consume (publish to receipt)')}\n`);
}

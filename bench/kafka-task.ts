import { peakRssMb, percentile, RESULT_PREFIX, RunResult } from './run-result';

// What `npm run bench -- --backend kafka` asks each Node driver (cortado, kafkajs) to do, and the
// measuring loop they share, so both pay the same harness cost per send.

export interface KafkaTask {
  /** kafka://host:port[,host:port] */
  url: string;
  topic: string;
  messages: number;
  /** unmeasured sends first, so connection setup and JIT do not count */
  warmup: number;
  inFlight: number;
  /** 0: a batch goes as soon as a request slot is free */
  lingerMs: number;
  batchBytes: number;
  compression: 'none' | 'lz4' | 'zstd';
  size: number;
  /** consume: read a backlog of warmup + messages records as a member of `group` (commits on) */
  mode?: 'produce' | 'consume';
  group?: string;
}

export const KEYS = Array.from({ length: 1000 }, (_, i) => `k${i}`);

export const hostPortsOf = (url: string): string[] => url.replace(/^kafka:\/\//, '').split(',');

// n sends, at most inFlight waiting for their answer; lat[i] = ms from send to answer
async function sendAll(send: (key: string) => Promise<unknown>, n: number, inFlight: number, lat: Float64Array): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < n) {
      const i = next++;
      // a double clock: a bigint per reading would cost the loop more than Java's nanoTime does
      const s = performance.now();
      await send(KEYS[i % KEYS.length]);
      lat[i] = performance.now() - s;
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
}

/** Warm-up, then the measured sends: rate, latency percentiles, this process's CPU seconds and peak RSS. */
export async function measure(t: KafkaTask, send: (key: string) => Promise<unknown>): Promise<RunResult> {
  await sendAll(send, t.warmup, t.inFlight, new Float64Array(t.warmup));
  const lat = new Float64Array(t.messages);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sendAll(send, t.messages, t.inFlight, lat);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const d = process.cpuUsage(cpu0);
  lat.sort();
  return {
    messages: t.messages,
    seconds,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    cpuSec: (d.user + d.system) / 1e6,
    rssMb: peakRssMb(),
  };
}

/**
 * Reads warmup + messages records of a backlog through `start` (which calls `onRecords` per batch
 * handled and returns a stop); measured from the warmup-th record on: rate, CPU and peak RSS.
 */
export async function measureConsume(
  t: KafkaTask,
  start: (onRecords: (n: number) => void) => Promise<() => Promise<void>>,
): Promise<RunResult> {
  let seen = 0;
  const mark = { count: -1, cpu: process.cpuUsage(), t0: 0n, seconds: 0, cpuSec: 0 };
  let done = () => undefined as void;
  const finished = new Promise<void>((r) => (done = r));
  const stop = await start((n) => {
    seen += n;
    if (mark.count < 0 && seen >= t.warmup) {
      mark.count = seen;
      mark.cpu = process.cpuUsage();
      mark.t0 = process.hrtime.bigint();
    }
    if (mark.count >= 0 && mark.seconds === 0 && seen >= t.warmup + t.messages) {
      mark.seconds = Number(process.hrtime.bigint() - mark.t0) / 1e9;
      const d = process.cpuUsage(mark.cpu);
      mark.cpuSec = (d.user + d.system) / 1e6;
      done();
    }
  });
  await finished;
  await stop();
  return { messages: seen - mark.count, seconds: mark.seconds, p50Ms: null, p99Ms: null, cpuSec: mark.cpuSec, rssMb: peakRssMb() };
}

/** Runs a driver's main: the task from argv[2], the RESULT line on stdout, exit 1 on failure. */
export function driverMain(run: (t: KafkaTask) => Promise<RunResult>): void {
  const task = JSON.parse(process.argv[2]) as KafkaTask;
  run(task).then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

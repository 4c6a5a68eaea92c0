import * as fs from 'fs';

/** What one side reports for one scenario run, as the line `RESULT {json}` on stdout. */
export interface RunResult {
  messages: number;
  seconds: number;
  /** send-to-receipt latency; null where latency does not apply (consume) */
  p50Ms: number | null;
  p99Ms: number | null;
  /** the process's own CPU time (user + system) during the measured part */
  cpuSec: number;
  /** the process's peak resident set size (VmHWM) */
  rssMb: number;
}

/** What the driver of either side is asked to do. */
export interface DriverTask {
  mode: 'produce' | 'consume' | 'fill';
  url: string;
  topic: string;
  /** measured messages; a consume or fill backlog holds warmup + messages */
  messages: number;
  /** unmeasured messages first, so connection setup and JIT do not count */
  warmup: number;
  inFlight: number;
  batching: boolean;
  compression: 'none' | 'lz4' | 'zstd';
  size: number;
  subscription: string;
}

export const RESULT_PREFIX = 'RESULT ';

/** The RESULT line in a driver's output; throws naming the output when there is none. */
export function parseResult(stdout: string): RunResult {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`driver printed no ${RESULT_PREFIX.trim()} line; output ends:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as RunResult;
}

/** Peak RSS of this process in MB, from /proc (NaN where there is none). */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Value at percentile p of ascending `sorted` (nearest rank, as the Java driver computes it). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

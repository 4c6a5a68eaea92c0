import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../tools/distribution';
import { atLeast, benchNode, cachedNodePath, NodeBinary, probeNode } from './node-binary';

// @platformatic/kafka for the Kafka bench: it needs Node >= 22.22 and is ESM-only, so it is not one of
// the project's dependencies (npm ci on Node 20 stays clean); it is installed once into the cache,
// as .ci/run installs the Node binaries, and runs on --node's binary or the cached Node 24.

export const PLATFORMATIC_VERSION = '2.12.1';
const MIN_NODE: [number, number] = [22, 22];

export interface Platformatic {
  node: NodeBinary;
  /** the npm prefix it is installed under */
  dir: string;
}

function nodeFor(): NodeBinary | { skip: string } {
  const given = benchNode();
  if (given && atLeast(given.version, ...MIN_NODE)) return given;
  const cached = probeNode(cachedNodePath(24));
  if ('skip' in cached)
    return {
      skip: `it needs Node >= ${MIN_NODE.join('.')} and there is none (${cached.skip}; bash .ci/run installs it, or pass --node <path>)`,
    };
  return cached;
}

/** The reference's Node and install, installing it on first use; or why it is left out. */
export function preparePlatformatic(): Platformatic | { skip: string } {
  if (process.env.BENCH_PLATFORMATIC === '0') return { skip: 'BENCH_PLATFORMATIC=0' };
  const node = nodeFor();
  if ('skip' in node) return node;
  const dir = path.join(cacheDir(), `platformatic-kafka-${PLATFORMATIC_VERSION}`);
  if (!fs.existsSync(path.join(dir, 'node_modules', '@platformatic', 'kafka', 'package.json'))) {
    const r = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `@platformatic/kafka@${PLATFORMATIC_VERSION}`,
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) {
      const why = `${r.stderr ?? ''}`
        .split('\n')
        .filter((l) => /error|ERR!/.test(l))
        .slice(0, 2)
        .join('; ');
      return { skip: `npm install @platformatic/kafka@${PLATFORMATIC_VERSION} failed: ${why || r.error?.message || `exit ${r.status}`}` };
    }
  }
  return { node, dir };
}

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXPECTED, runExample } from './examples-expected';
import { withBroker } from './helpers';

// The round-trip example under the other runtimes cortado supports, from the devDependencies' binaries,
// and under the extra Node lines .ci/run installs outside the repo.
const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLE = path.join(ROOT, 'dist', 'examples', 'roundtrip.js');

const RUNTIMES: { name: string; runtime: string; bin: string; args: string[] }[] = [
  { name: 'bun', runtime: 'bun', bin: path.join(ROOT, 'node_modules', '.bin', 'bun'), args: [EXAMPLE] },
  // the permissions cortado needs: the broker's address, CORTADO_* variables, its own files
  {
    name: 'deno',
    runtime: 'deno',
    bin: path.join(ROOT, 'node_modules', '.bin', 'deno'),
    args: ['run', '--allow-net=127.0.0.1', '--allow-env', `--allow-read=${ROOT}`, EXAMPLE],
  },
];

// Node binaries other than the one running mocha, comma-separated; .ci/run sets it to the Node 22 and 24 it installed
const EXTRA_NODES = (process.env.CORTADO_EXTRA_NODES ?? '').split(',').filter((p) => p.trim() !== '');
for (const bin of EXTRA_NODES) RUNTIMES.push({ name: `node at ${bin.trim()}`, runtime: 'node', bin: bin.trim(), args: [EXAMPLE] });

/** Appends `runtime|version|what ran|result` to CORTADO_RUNTIMES_REPORT, the file .ci/run builds its closing table from. */
function report(runtime: string, version: string, result: string): void {
  const file = process.env.CORTADO_RUNTIMES_REPORT;
  if (file) fs.appendFileSync(file, `${runtime}|${version}|round trip (examples/roundtrip.ts, real broker)|${result}\n`);
}

/** The runtime's version line, or why it cannot run here. */
function probe(bin: string): { version?: string; why?: string } {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { why: r.error.message };
  if (r.status !== 0) return { why: `exit ${r.status}: ${r.stderr.trim().split('\n')[0]}` };
  return { version: r.stdout.trim().split('\n')[0] };
}

describe('runtimes beyond Node: the round-trip example', () => {
  const b = withBroker();
  for (const rt of RUNTIMES) {
    it(`runs unchanged under ${rt.name}`, async function () {
      this.timeout(180_000);
      const p = probe(rt.bin);
      if (!p.version) {
        console.log(`      (skipped: ${rt.name} cannot run here: ${p.why})`);
        report(rt.runtime, '-', `skipped: ${p.why}`);
        this.skip();
      }
      console.log(`      ${rt.name} ${p.version}`);
      const r = await runExample(rt.bin, rt.args, { CORTADO_URL: b.broker.serviceUrl, CORTADO_ADMIN_URL: b.broker.adminUrl });
      const ok = r.code === 0 && EXPECTED.roundtrip.every((re) => re.test(r.out));
      report(rt.runtime, p.version?.match(/v?\d+\.\d+\.\d+/)?.[0] ?? p.version ?? '-', ok ? 'passed' : `FAILED (exit ${r.code})`);
      expect(r.code, r.out).to.equal(0);
      for (const re of EXPECTED.roundtrip) expect(r.out).to.match(re);
    });
  }
  if (EXTRA_NODES.length === 0) {
    it('runs unchanged under the extra Node lines in CORTADO_EXTRA_NODES', function () {
      console.log('      (skipped: CORTADO_EXTRA_NODES is unset; .ci/run sets it to the Node 22 and 24 it installs)');
      this.skip();
    });
  }
});

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { EXPECTED, runExample } from './examples-expected';
import { withBroker } from './helpers';

// The round-trip example under the other runtimes cortado supports, from the devDependencies' binaries.
const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLE = path.join(ROOT, 'dist', 'examples', 'roundtrip.js');

const RUNTIMES: { name: string; bin: string; args: string[] }[] = [
  { name: 'bun', bin: path.join(ROOT, 'node_modules', '.bin', 'bun'), args: [EXAMPLE] },
  // the permissions cortado needs: the broker's address, CORTADO_* variables, its own files
  {
    name: 'deno',
    bin: path.join(ROOT, 'node_modules', '.bin', 'deno'),
    args: ['run', '--allow-net=127.0.0.1', '--allow-env', `--allow-read=${ROOT}`, EXAMPLE],
  },
];

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
        this.skip();
      }
      console.log(`      ${rt.name} ${p.version}`);
      const r = await runExample(rt.bin, rt.args, { CORTADO_URL: b.broker.serviceUrl, CORTADO_ADMIN_URL: b.broker.adminUrl });
      expect(r.code, r.out).to.equal(0);
      for (const re of EXPECTED.roundtrip) expect(r.out).to.match(re);
    });
  }
});

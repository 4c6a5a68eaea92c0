import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { withBroker } from './helpers';

// The short version of `npm run bench`: one small round of every scenario, both sides, on the
// run's broker. It checks that the side-by-side table comes out whole; it asserts no speed.
const BENCH = path.resolve(__dirname, '../../bench/bench.js');

const SCENARIOS = [
  'sequential produceSync',
  'async, 1,000 in flight, unbatched',
  'async, batched (1,000 msgs / 128 KiB / 10 ms)',
  'batched + LZ4',
  'batched + ZSTD',
  'consume a backlog, unbatched',
  'consume a backlog, batched',
];

describe('npm run bench (one short round)', () => {
  const b = withBroker();

  it('prints every scenario with cortado and Java figures and their ratios', async function () {
    this.timeout(300_000);
    const env = {
      ...process.env,
      CORTADO_URL: b.broker.serviceUrl,
      CORTADO_ADMIN_URL: b.broker.adminUrl,
      ...(b.broker.home ? { CORTADO_PULSAR_HOME: b.broker.home } : { BENCH_JAVA: '0' }),
      BENCH_ROUNDS: '1',
      BENCH_MESSAGES: '1000',
    };
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BENCH], { env, timeout: 280_000, maxBuffer: 1 << 22 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      ),
    );
    expect(out.code, out.stderr.slice(-2000)).to.equal(0);
    const rows = out.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| scenario'));
    expect(rows.map((r) => r.split(' | ')[0].slice(2))).to.deep.equal(SCENARIOS);
    // each msg/s cell: cortado / Java (ratio), or the cortado figure alone when Java is absent
    const cell = b.broker.home ? /^[\d.]+ \/ [\d.]+ \(\*\*\d+\.\d+\*\*\)$/ : /^[\d.]+ \/ —$/;
    for (const r of rows) expect(r.split(' | ')[1], r).to.match(cell);
    if (!b.broker.home) console.warn('    (no Pulsar distribution here: the Java side was skipped)');
  });
});

import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { getKafkaBroker } from '../support/kafka-broker';

// The short version of `npm run bench -- --backend kafka`: one small round of every scenario, the
// four clients, on the run's Kafka broker. It checks that the table comes out whole; it asserts no speed.
const BENCH = path.resolve(__dirname, '../../bench/bench.js');

const SCENARIOS = [
  'sequential produceSync',
  'async, 1,000 in flight, linger 0',
  'async, batched (linger 10 ms, 128 KiB)',
  'batched + LZ4',
  'batched + ZSTD',
  'consume, group member, commits on',
];

describe('npm run bench -- --backend kafka (one short round)', () => {
  it('prints every scenario with cortado, Java, kafkajs and @platformatic/kafka figures, their ratios and the targets', async function () {
    this.timeout(300_000);
    const broker = await getKafkaBroker();
    const env = { ...process.env, CORTADO_URL: broker.bootstrap, BENCH_ROUNDS: '1', BENCH_MESSAGES: '1000' };
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BENCH, '--backend', 'kafka', '--quick'],
        { env, timeout: 280_000, maxBuffer: 1 << 22 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      ),
    );
    expect(out.code, out.stderr.slice(-2000)).to.equal(0);
    console.log(out.stdout.slice(out.stdout.indexOf('\nmachine:')).replace(/^/gm, '    '));
    const rows = out.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| scenario'));
    expect(rows.map((r) => r.split(' | ')[0].slice(2))).to.deep.equal(SCENARIOS);
    // each msg/s cell: cortado / Java / kafkajs / platformatic (cortado ÷ Java; kafkajs ÷ Java; platformatic ÷ Java),
    // kafkajs n/a where it has no codec, @platformatic/kafka n/a everywhere when there is no Node >= 22.22 (the reason printed)
    const skipped = /@platformatic\/kafka skipped: (.*)/.exec(out.stdout);
    if (skipped) console.warn(`    (@platformatic/kafka skipped: ${skipped[1]})`);
    const pf = skipped ? { value: 'n/a', ratio: '' } : { value: '[\\d.]+', ratio: '; platformatic \\d+\\.\\d+' };
    for (const r of rows) {
      const cell = r.split(' | ')[1];
      const kafkajs = r.includes('LZ4') || r.includes('ZSTD') ? { value: 'n/a', ratio: '' } : { value: '[\\d.]+', ratio: '; \\d+\\.\\d+' };
      // @platformatic/kafka's driver only produces: the consume row has no figure of it (—)
      const p = r.startsWith('| consume') ? { value: '(?:—|n/a)', ratio: '(?:; platformatic —)?' } : pf;
      expect(cell, r).to.match(
        new RegExp(`^[\\d.]+ / [\\d.]+ / ${kafkajs.value} / ${p.value} \\(\\*\\*\\d+\\.\\d+\\*\\*${kafkajs.ratio}${p.ratio}\\)$`),
      );
      expect(r).to.match(/msg\/s ≥ 1\.2 [✓✗], CPU ≤ 0\.7 [✓✗], RSS ≤ 0\.6 [✓✗]/);
    }
  });
});

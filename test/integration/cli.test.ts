import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { Admin } from '../../lib';
import { uniqueTopic, withBroker } from './helpers';

// The built command, run as a user runs it, against the run's broker.
const CLI = path.resolve(__dirname, '../../cli/index.js');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function cortado(args: string[], env: Record<string, string>, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

describe('cortado command', () => {
  const b = withBroker();
  const env = () => ({ CORTADO_URL: b.broker.serviceUrl });

  it('produce then consume: N messages come back with key, value and properties', async () => {
    const topic = uniqueTopic('cli-roundtrip');
    const produced = await cortado(
      ['produce', topic, '-k', 'order-7', '-p', 'source=cli', '-p', 'n=1', '-m', 'first', '-m', 'second', '-n', '2'],
      env(),
    );
    expect(produced.code, produced.stderr).to.equal(0);
    expect(produced.stdout.trim().split('\n')).to.have.length(4);
    expect(produced.stderr).to.include('produced 4 message(s)');
    // values from stdin lines when no -m is given
    const fromStdin = await cortado(['produce', topic], env(), 'third\nfourth\n');
    expect(fromStdin.code, fromStdin.stderr).to.equal(0);

    const consumed = await cortado(['consume', topic, '--position', 'earliest', '-n', '6', '--json'], env());
    expect(consumed.code, consumed.stderr).to.equal(0);
    const lines = consumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string | null; value: string; properties: Record<string, string> });
    expect(lines.map((l) => l.value)).to.deep.equal(['first', 'first', 'second', 'second', 'third', 'fourth']);
    expect(lines[0]).to.deep.include({ key: 'order-7', properties: { source: 'cli', n: '1' } });
    expect(lines[5]).to.deep.include({ key: null, properties: {} });

    const human = await cortado(['consume', topic, '--position', 'earliest', '-n', '1', '-s', 'people'], env());
    expect(human.stdout).to.match(/key="order-7" value="first" properties=\{"source":"cli","n":"1"\}/);
  });

  it('perf produce prints live progress and a final table; the broker saw every message', async function () {
    this.timeout(120_000);
    const topic = uniqueTopic('cli-perf');
    const ran = await cortado(
      ['perf', 'produce', topic, '--messages', '3000', '--size', '100', '--batching', '--interval', '200', '--keys', '4'],
      env(),
    );
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stderr).to.match(/perf produce: \d+\/3000 msgs\s+\d+ msg\/s\s+p50 [\d.-]+ ms\s+p99 [\d.-]+ ms/);
    const [header, , row] = ran.stdout.trim().split('\n');
    expect(header.split(/\s+/)).to.include.members(['messages', 'errors', 'msg/s', 'MB/s', 'p50', 'p99']);
    const cells = row.trim().split(/\s+/);
    expect(cells.slice(0, 3)).to.deep.equal(['produce', '3000', '0']);
    expect(Number(cells[4])).to.be.above(0);

    const admin = new Admin({ adminUrl: b.broker.adminUrl }, {});
    try {
      expect((await admin.topicStats(topic)).msgInCounter).to.equal(3000);
    } finally {
      admin.close();
    }
    const consumed = await cortado(['perf', 'consume', topic, '--position', 'earliest', '--messages', '3000', '--interval', '200'], env());
    expect(consumed.code, consumed.stderr).to.equal(0);
    expect(consumed.stdout.trim().split('\n')[2].trim().split(/\s+/).slice(0, 5)).to.deep.equal([
      'consume',
      '(publish',
      'to',
      'receipt)',
      '3000',
    ]);
  });

  it("fails with the library's typed error and allowed values, or commander's usage error, exit code 1", async () => {
    const badCodec = await cortado(['produce', uniqueTopic('cli-bad'), '-m', 'x', '--compression', 'gzip'], env());
    expect(badCodec.code).to.equal(1);
    expect(badCodec.stderr).to.include('CONFIG').and.include('gzip').and.include('none|lz4|zlib|snappy|zstd');
    const badRate = await cortado(['perf', 'produce', 't', '--rate', 'fast'], env());
    expect(badRate.code).to.equal(1);
    expect(badRate.stderr).to.include('expected an integer of at least 0');
  });
});

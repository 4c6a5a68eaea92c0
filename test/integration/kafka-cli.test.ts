import { expect } from 'chai';
import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as path from 'path';
import type { KafkaBroker } from '../../tools/kafka-broker';
import { javaConsume } from '../../tools/kafka-java';
import { getKafkaBroker } from '../support/kafka-broker';

// The built command, run as a user runs it, against the run's Kafka broker.
const CLI = path.resolve(__dirname, '../../cli/index.js');
const RUN = crypto.randomBytes(3).toString('hex');
const topicName = (base: string) => `${base}-${RUN}`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function cortado(args: string[], env: Record<string, string>, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

describe('cortado command against Kafka', function () {
  this.timeout(180_000);
  let broker: KafkaBroker;
  before(async function () {
    this.timeout(300_000);
    broker = await getKafkaBroker();
  });

  it('produce to a kafka:// URL prints topic partition @offset per record; the Java consumer reads key, value and headers', async () => {
    const topic = topicName('kcli');
    const ran = await cortado(
      ['produce', topic, '--url', broker.bootstrap, '-k', 'order-7', '-p', 'source=cli', '-m', 'first', '-m', 'second', '-n', '2'],
      {},
    );
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stdout.trim().split('\n')).to.deep.equal([0, 1, 2, 3].map((o) => `${topic} partition 0 @${o}`));
    expect(ran.stderr).to.include('produced 4 message(s)');
    // stdin lines, URL from CORTADO_URL
    const fromStdin = await cortado(['produce', topic], { CORTADO_URL: broker.bootstrap }, 'third\nfourth\n');
    expect(fromStdin.code, fromStdin.stderr).to.equal(0);
    expect(fromStdin.stdout.trim().split('\n')).to.deep.equal([`${topic} partition 0 @4`, `${topic} partition 0 @5`]);
    const seen = await javaConsume(broker, topic, 6, 60_000);
    expect(seen.map((r) => r.value!.toString())).to.deep.equal(['first', 'first', 'second', 'second', 'third', 'fourth']);
    expect(seen[0].key!.toString()).to.equal('order-7');
    expect(seen[0].headers.map(([k, v]) => [k, v!.toString()])).to.deep.equal([['source', 'cli']]);
  });

  it('perf produce to a kafka:// URL sends every message and prints its table', async () => {
    const topic = topicName('kcli-perf');
    const ran = await cortado(
      ['perf', 'produce', topic, '--messages', '2000', '--size', '100', '--batching', '--interval', '200', '--keys', '4'],
      { CORTADO_URL: broker.bootstrap },
    );
    expect(ran.code, ran.stderr).to.equal(0);
    const row = ran.stdout.trim().split('\n')[2].trim().split(/\s+/);
    expect(row.slice(0, 3)).to.deep.equal(['produce', '2000', '0']);
    expect(await javaConsume(broker, topic, 2000, 60_000)).to.have.length(2000);
  });

  it('consume from a kafka:// URL reads through its consumer group from --position earliest, and the group resumes after its commit', async () => {
    const topic = topicName('kcli-consume');
    const sent = await cortado(['produce', topic, '--url', broker.bootstrap, '-k', 'order-9', '-p', 'a=b', '-m', 'one', '-m', 'two'], {});
    expect(sent.code, sent.stderr).to.equal(0);
    const args = ['consume', topic, '--url', broker.bootstrap, '-s', `cli-${RUN}`, '--position', 'earliest'];
    const ran = await cortado([...args, '-n', '2'], {});
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stdout.trim().split('\n')).to.deep.equal([
      '[0 @0] key="order-9" value="one" properties={"a":"b"}',
      '[0 @1] key="order-9" value="two" properties={"a":"b"}',
    ]);
    await cortado(['produce', topic, '--url', broker.bootstrap, '-m', 'three'], {});
    const again = await cortado([...args, '-n', '1', '--json'], {});
    expect(again.code, again.stderr).to.equal(0);
    const m = JSON.parse(again.stdout.trim()) as { value: string; messageId: { offset: number }; key: string | null };
    expect([m.value, m.messageId.offset, m.key]).to.deep.equal(['three', 2, null]);
  });
});

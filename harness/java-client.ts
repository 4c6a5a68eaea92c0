import { execFile } from 'child_process';
import * as path from 'path';

// The official Java client shipped in the Pulsar distribution (bin/pulsar-client), as an
// independent reader and writer for interoperability tests.

function run(home: string, args: string[], timeoutSec: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(home, 'bin', 'pulsar-client'),
      args,
      {
        timeout: timeoutSec * 1000,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, PULSAR_MEM: '-Xms64m -Xmx512m', PULSAR_LOG_ROOT_LEVEL: 'warn' },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`pulsar-client ${args.slice(0, 3).join(' ')} failed: ${err.message}\n${stderr.slice(-3000)}`));
        else resolve(stdout);
      },
    );
  });
}

export interface JavaConsumeOptions {
  count: number;
  subscription: string;
  timeoutSec?: number;
}

/**
 * Consumes `count` messages from the earliest position and returns their payloads. The tool
 * prints each payload after `content:` on one line, so payloads must be single-line text.
 */
export async function javaConsume(home: string, serviceUrl: string, topic: string, o: JavaConsumeOptions): Promise<Buffer[]> {
  const out = await run(
    home,
    ['--url', serviceUrl, 'consume', '-n', String(o.count), '-s', o.subscription, '-p', 'Earliest', '-mc', '20', topic],
    o.timeoutSec ?? 90,
  );
  const payloads: Buffer[] = [];
  for (const line of out.split('\n')) {
    const at = line.indexOf(', content:');
    if (!line.startsWith('publishTime:[') || at < 0) continue;
    const content = line.slice(at + ', content:'.length);
    // some payloads are printed as Java's signed byte list instead of text
    payloads.push(/^-?\d+(,-?\d+)+$/.test(content) ? Buffer.from(content.split(',').map((b) => Number(b) & 0xff)) : Buffer.from(content, 'utf8'));
  }
  return payloads;
}

export interface JavaProduceOptions {
  messages: string[];
  key?: string;
  timeoutSec?: number;
}

/** Produces each message (text without commas) with the Java client, batching off. */
export async function javaProduce(home: string, serviceUrl: string, topic: string, o: JavaProduceOptions): Promise<void> {
  const args = ['--url', serviceUrl, 'produce', '-db', '-m', o.messages.join(','), '-s', ','];
  if (o.key) args.push('-k', o.key);
  await run(home, [...args, topic], o.timeoutSec ?? 90);
}

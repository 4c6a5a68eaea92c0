import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseConsumeOutput, JavaMessage } from './java-output';

export type { JavaMessage } from './java-output';

// The official Java client shipped in the Pulsar distribution (bin/pulsar-client), as an
// independent reader and writer for interoperability tests. Each call starts a JVM (~3-4 s).

interface RunResult {
  code: number | null;
  stdout: string;
  /** the tool's log4j output, routed to a file so stdout carries only message output */
  log: string;
}

function run(home: string, args: string[], timeoutSec: number, heap: string): Promise<RunResult> {
  const bin = path.join(home, 'bin', 'pulsar-client');
  if (!fs.existsSync(bin)) return Promise.reject(new Error(`no Java client at ${bin}`));
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-jclient-'));
  const env = {
    ...process.env,
    LC_ALL: 'C.UTF-8', // the JVM decodes argv (keys, properties) with the locale's charset
    PULSAR_MEM: `-Xmx${heap} -XX:MaxDirectMemorySize=256m`,
    PULSAR_GC: '-XX:+UseSerialGC',
    PULSAR_EXTRA_OPTS: '-Dfile.encoding=UTF-8',
    PULSAR_LOG_APPENDER: 'RollingFile',
    PULSAR_LOG_DIR: logDir,
    PULSAR_LOG_LEVEL: 'info', // the "N messages successfully produced" line is info
    PULSAR_LOG_IMMEDIATE_FLUSH: 'true',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    // a consume that waits for messages that never come would otherwise outlive us
    const killer = () => child.kill('SIGKILL');
    process.on('exit', killer);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSec * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.removeListener('exit', killer);
      let log = '';
      try {
        log = fs.readFileSync(path.join(logDir, 'pulsar.log'), 'utf8');
      } catch {
        // nothing logged
      }
      fs.rmSync(logDir, { recursive: true, force: true });
      const stdout = Buffer.concat(out).toString('utf8');
      if (timedOut) {
        reject(
          new Error(
            `pulsar-client ${args[2]} gave no result in ${timeoutSec} s; stdout ends:\n${stdout.slice(-1500)}\nlog ends:\n${tailLines(log)}\n${err}`,
          ),
        );
      } else {
        resolve({ code, stdout, log: log + err });
      }
    });
  });
}

function tailLines(text: string, n = 30): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export interface JavaConsumeOptions {
  count: number;
  subscription: string;
  /** where a new subscription starts; default Earliest */
  position?: 'Earliest' | 'Latest';
  subscriptionType?: 'Exclusive' | 'Shared' | 'Failover' | 'Key_Shared';
  /** for the whole call, all JVM starts included; default 90 */
  timeoutSec?: number;
  /** chunked messages the consumer may assemble at once; default 20 */
  maxPendingChunked?: number;
  /** JVM -Xmx; default 768m (a 20 MiB message printed as hex needs a few hundred MB) */
  heap?: string;
}

// commons-io HexDump throws on an empty array, so the hex run stops at an empty payload
const EMPTY_PAYLOAD_CRASH = 'into array of length 0';

/**
 * Consumes `count` messages with the Java client and returns them with exact payload bytes
 * (printed with --hex and decoded). Acknowledges them on `subscription`.
 */
export async function javaConsumeMessages(home: string, serviceUrl: string, topic: string, o: JavaConsumeOptions): Promise<JavaMessage[]> {
  const deadline = Date.now() + (o.timeoutSec ?? 90) * 1000;
  const got: JavaMessage[] = [];
  const base = [
    '--url',
    serviceUrl,
    'consume',
    '-s',
    o.subscription,
    '-p',
    o.position ?? 'Earliest',
    '-t',
    o.subscriptionType ?? 'Exclusive',
    '-mc',
    String(o.maxPendingChunked ?? 20),
    '-pm',
    'false',
  ]; // unpooled messages are byte[], which --hex dumps
  const left = () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
  while (got.length < o.count) {
    const want = o.count - got.length;
    const r = await run(home, [...base, '--hex', '-n', String(want), topic], left(), o.heap ?? '768m');
    const msgs = parseConsumeOutput(r.stdout);
    got.push(...msgs);
    if (r.code === 0 && msgs.length === want) break;
    if (!r.log.includes(EMPTY_PAYLOAD_CRASH)) {
      throw new Error(`pulsar-client consume exited ${r.code} after ${got.length} of ${o.count} messages:\n${tailLines(r.log)}`);
    }
    // the empty message was not acknowledged: take it once in text mode, where it prints as ""
    const t = await run(home, [...base, '-n', '1', topic], left(), o.heap ?? '768m');
    const [empty] = parseConsumeOutput(t.stdout, false);
    if (t.code !== 0 || !empty || (empty.payload && empty.payload.length > 0)) {
      throw new Error(`pulsar-client consume: expected an empty payload after the hex dump stopped:\n${tailLines(t.log)}`);
    }
    got.push(empty);
  }
  return got;
}

/** Payloads of `count` messages consumed with the Java client (a null value comes back empty). */
export async function javaConsume(home: string, serviceUrl: string, topic: string, o: JavaConsumeOptions): Promise<Buffer[]> {
  return (await javaConsumeMessages(home, serviceUrl, topic, o)).map((m) => m.payload ?? Buffer.alloc(0));
}

export interface JavaProduceOptions {
  /** payloads, sent in order and byte for byte (strings as UTF-8) */
  messages: Array<string | Buffer | Uint8Array>;
  /** the same key on every message */
  key?: string;
  /** the same properties on every message; neither names nor values may contain '=' or be empty */
  properties?: Record<string, string>;
  /** default false: each message its own entry */
  batching?: boolean;
  /** lets the Java producer split messages larger than the broker's limit */
  chunking?: boolean;
  /** for the whole call; default 90 */
  timeoutSec?: number;
  heap?: string;
}

// the tool refuses more than this many messages per run
const MAX_PER_RUN = 1000;

/** Produces the messages with the Java client; throws unless all were acknowledged by the broker. */
export async function javaProduce(home: string, serviceUrl: string, topic: string, o: JavaProduceOptions): Promise<void> {
  const args = ['--url', serviceUrl, 'produce'];
  if (o.chunking) args.push('-c');
  else if (!o.batching) args.push('-db');
  if (o.key) args.push('-k', o.key);
  for (const [k, v] of Object.entries(o.properties ?? {})) {
    // the tool splits each -p on '=' and reads two parts
    if (!k || !v || k.includes('=') || v.includes('='))
      throw new Error(`javaProduce: property ${k}=${v} cannot pass through pulsar-client`);
    args.push('-p', `${k}=${v}`);
  }
  // payloads go through files so any bytes survive (-m would split on commas and re-encode)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-jproduce-'));
  const deadline = Date.now() + (o.timeoutSec ?? 90) * 1000;
  try {
    const files = o.messages.map((m, i) => {
      const f = path.join(dir, `m${i}`);
      fs.writeFileSync(f, typeof m === 'string' ? Buffer.from(m, 'utf8') : m);
      return f;
    });
    for (let i = 0; i < files.length; i += MAX_PER_RUN) {
      const batch = files.slice(i, i + MAX_PER_RUN);
      const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      const r = await run(home, [...args, ...batch.flatMap((f) => ['-f', f]), topic], left, o.heap ?? '512m');
      // the tool exits 0 even when it sent only some files; its log line is the proof
      const sent = /(\d+) messages successfully produced/.exec(r.log);
      if (r.code !== 0 || !sent || Number(sent[1]) !== batch.length) {
        throw new Error(`pulsar-client produce sent ${sent?.[1] ?? 0} of ${batch.length} (exit ${r.code}):\n${tailLines(r.log)}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

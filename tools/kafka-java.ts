import { execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir } from './distribution';
import type { KafkaBroker } from './kafka-broker';
import { ensureKafka, KAFKA_VERSION, KafkaDistribution } from './kafka-distribution';

// The official Java Kafka client (tools/java/KafkaTool.java, compiled into the cache at first use)
// as an independent reader and writer for interop tests. Each call is one JVM (~1-2 s): batch records.

const SOURCE = path.join(__dirname, '..', '..', 'tools', 'java', 'KafkaTool.java');

export interface JavaRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** in order, repeats kept */
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
}

export interface JavaProduceRecord {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  partition?: number;
  headers?: Array<[string, string | Buffer | null]>;
  timestamp?: number;
}

export interface JavaPartitionInfo {
  partition: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
}

export interface JavaCallOptions {
  /** client properties for a secured listener; see clientConfig() */
  clientConfig?: Record<string, string>;
  /** kills the JVM after this long; default 90 s */
  timeoutMs?: number;
}

/** Where to connect: a broker (its PLAINTEXT listener) or a bootstrap list with or without a kafka:// scheme. */
export type Target = KafkaBroker | string;

function hostPorts(t: Target): string {
  return typeof t === 'string' ? t.replace(/^kafka(\+ssl)?:\/\//, '') : t.hostPorts.join(',');
}

let compiled: Promise<{ dist: KafkaDistribution; classes: string }> | undefined;

/** Compiles KafkaTool.java against the Kafka jars into the cache (keyed by source hash), once per process. */
function prepare(): Promise<{ dist: KafkaDistribution; classes: string }> {
  compiled ??= (async () => {
    const dist = await ensureKafka();
    const source = fs.readFileSync(SOURCE);
    const hash = crypto.createHash('sha256').update(source).update(KAFKA_VERSION).digest('hex').slice(0, 16);
    const classes = path.join(cacheDir(), 'kafka-java', hash);
    if (!fs.existsSync(path.join(classes, 'KafkaTool.class'))) {
      // compile beside and rename, so an interrupted compile is never taken for a good one
      const tmp = `${classes}.tmp-${process.pid}`;
      fs.mkdirSync(tmp, { recursive: true });
      try {
        execFileSync('javac', ['-nowarn', '-cp', dist.classpath, '-d', tmp, SOURCE], {
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 120_000,
        });
        fs.rmSync(classes, { recursive: true, force: true });
        fs.renameSync(tmp, classes);
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
        if (err.code === 'ENOENT') throw new Error('javac is not on PATH: install a Java 17+ JDK (not only a JRE)', { cause: e });
        throw new Error(`javac failed on ${SOURCE}:\n${err.stderr?.toString() ?? err.message}`, { cause: e });
      }
    }
    return { dist, classes };
  })();
  compiled.catch(() => (compiled = undefined)); // a later call may try again
  return compiled;
}

/** The --config file holding `o.clientConfig` (written mode 600), and how to remove it. */
function configArgs(o: JavaCallOptions): { pre: string[]; cleanup: () => void } {
  if (!o.clientConfig) return { pre: [], cleanup: () => undefined };
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-kafka-tool-'));
  const file = path.join(confDir, 'client.properties');
  // JAAS lines hold backslash-free text; properties escaping is only needed for backslashes
  fs.writeFileSync(
    file,
    Object.entries(o.clientConfig)
      .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}\n`)
      .join(''),
    { mode: 0o600 },
  );
  return { pre: ['--config', file], cleanup: () => fs.rmSync(confDir, { recursive: true, force: true }) };
}

function jvmArgs(dist: KafkaDistribution, classes: string): string[] {
  return [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dlog4j2.configurationFile=${dist.toolsLog4j}`,
    '-cp',
    `${classes}${path.delimiter}${dist.classpath}`,
    'KafkaTool',
  ];
}

/** Runs one KafkaTool command; resolves with its stdout lines parsed as JSON, rejects with its stderr. */
async function runTool(args: string[], o: JavaCallOptions, stdin = ''): Promise<unknown[]> {
  const { dist, classes } = await prepare();
  const timeoutMs = o.timeoutMs ?? 90_000;
  const { pre, cleanup } = configArgs(o);
  const jvm = jvmArgs(dist, classes);
  try {
    return await new Promise((resolve, reject) => {
      // the JVM decodes argv (keys, topic names) with the locale's charset
      const child = spawn('java', [...jvm, ...pre, ...args], {
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-6000)));
      child.stdin.on('error', () => undefined); // a JVM that died early closes its stdin
      child.stdin.end(stdin);
      const killer = () => child.kill('SIGKILL');
      process.on('exit', killer);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        process.removeListener('exit', killer);
        reject(e.code === 'ENOENT' ? new Error('java is not on PATH: install a Java 17+ JDK', { cause: e }) : e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        process.removeListener('exit', killer);
        const stdout = Buffer.concat(out).toString('utf8');
        if (code === 0) {
          resolve(
            stdout
              .split('\n')
              .filter((l) => l.trim())
              .map((l) => JSON.parse(l) as unknown),
          );
          return;
        }
        const why = timedOut ? `was killed after ${timeoutMs} ms` : `exited ${code}`;
        reject(new Error(`KafkaTool ${args[0]} ${why}; stdout ends:\n${stdout.slice(-1500)}\nstderr ends:\n${err.trimEnd()}`));
      });
    });
  } finally {
    cleanup();
  }
}

const toB64 = (v: string | Buffer | null | undefined) => (v === null || v === undefined ? null : Buffer.from(v).toString('base64'));
const fromB64 = (v: string | null) => (v === null ? null : Buffer.from(v, 'base64'));

/**
 * Client properties for one of the broker's secured listeners: the truststore for TLS, the client
 * certificate for mTLS, the SASL user for SASL listeners (`mechanism` default SCRAM-SHA-256).
 */
export function clientConfig(
  b: KafkaBroker,
  listener: 'ssl' | 'mtls' | 'saslPlaintext' | 'saslSsl',
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' = 'SCRAM-SHA-256',
): Record<string, string> {
  const l = b.listeners[listener];
  if (!l) throw new Error(`the broker has no ${listener} listener (start it with ${listener.startsWith('sasl') ? 'sasl' : 'tls'}: true)`);
  const c: Record<string, string> = { 'bootstrap.servers': l.hostPorts.join(','), 'security.protocol': l.protocol };
  if (l.protocol === 'SSL' || l.protocol === 'SASL_SSL') {
    c['ssl.truststore.type'] = 'PEM';
    c['ssl.truststore.location'] = b.pki!.caCert;
  }
  if (l.clientAuth) {
    c['ssl.keystore.type'] = 'PEM';
    c['ssl.keystore.location'] = b.pki!.clientPem;
  }
  if (l.protocol.startsWith('SASL')) {
    const u = b.sasl!;
    const module = mechanism === 'PLAIN' ? 'plain.PlainLoginModule' : 'scram.ScramLoginModule';
    c['sasl.mechanism'] = mechanism;
    c['sasl.jaas.config'] = `org.apache.kafka.common.security.${module} required username="${u.username}" password="${u.password}";`;
  }
  return c;
}

/** The bootstrap for a call: the secured listener's own when clientConfig names one. */
function bootstrapFor(t: Target, o: JavaCallOptions): string {
  return o.clientConfig?.['bootstrap.servers'] ?? hostPorts(t);
}

/** Creates a topic with the Admin API and waits until every partition has a leader. */
export async function createTopic(
  t: Target,
  topic: string,
  partitions: number,
  o: JavaCallOptions & { replicationFactor?: number; config?: Record<string, string> } = {},
): Promise<void> {
  const rf = o.replicationFactor ?? (typeof t === 'string' ? 1 : t.nodes.length);
  const configs = Object.entries(o.config ?? {}).map(([k, v]) => `${k}=${v}`);
  await runTool(['create-topic', bootstrapFor(t, o), topic, String(partitions), String(rf), ...configs], o);
}

/** Leader, replicas and in-sync replicas of each partition, as the Admin API sees them. */
export async function describeTopic(t: Target, topic: string, o: JavaCallOptions = {}): Promise<JavaPartitionInfo[]> {
  return (await runTool(['describe-topic', bootstrapFor(t, o), topic], o)) as JavaPartitionInfo[];
}

/**
 * Reads `count` records from every partition's beginning (no consumer group, nothing committed);
 * throws if fewer arrived within `timeoutMs`.
 */
export async function javaConsume(
  t: Target,
  topic: string,
  count: number,
  timeoutMs: number,
  o: JavaCallOptions = {},
): Promise<JavaRecord[]> {
  const raw = (await runTool(['consume', bootstrapFor(t, o), topic, String(count), String(timeoutMs)], {
    ...o,
    timeoutMs: o.timeoutMs ?? timeoutMs + 60_000,
  })) as Array<
    Omit<JavaRecord, 'key' | 'value' | 'headers'> & { key: string | null; value: string | null; headers: Array<[string, string | null]> }
  >;
  return raw.map((r) => ({ ...r, key: fromB64(r.key), value: fromB64(r.value), headers: r.headers.map(([k, v]) => [k, fromB64(v)]) }));
}

/**
 * Reads every partition from its beginning to its end offset as of the call (no group, nothing
 * committed), in one JVM; throws if some partition was not read to its end within `timeoutMs`.
 */
export async function javaConsumeToEnd(
  t: Target,
  topic: string,
  timeoutMs: number,
  o: JavaCallOptions = {},
): Promise<{ records: JavaRecord[]; endOffsets: number[] }> {
  const raw = (await runTool(['consume-to-end', bootstrapFor(t, o), topic, String(timeoutMs)], {
    ...o,
    timeoutMs: o.timeoutMs ?? timeoutMs + 60_000,
  })) as Array<Record<string, unknown>>;
  const last = raw.pop() as { endOffsets?: number[] } | undefined;
  if (!last?.endOffsets) throw new Error(`KafkaTool consume-to-end printed no end offsets for ${topic}`);
  const records = (
    raw as Array<
      Omit<JavaRecord, 'key' | 'value' | 'headers'> & { key: string | null; value: string | null; headers: Array<[string, string | null]> }
    >
  ).map((r) => ({
    ...r,
    key: fromB64(r.key),
    value: fromB64(r.value),
    headers: r.headers.map(([k, v]) => [k, fromB64(v)] as [string, Buffer | null]),
  }));
  return { records, endOffsets: last.endOffsets };
}

/** Produces the records in order with acks=all and idempotence; resolves with each one's partition and offset. */
export async function javaProduce(
  t: Target,
  topic: string,
  records: JavaProduceRecord[],
  o: JavaCallOptions = {},
): Promise<Array<{ partition: number; offset: number }>> {
  const lines = records.map((r) =>
    JSON.stringify({
      key: toB64(r.key),
      value: toB64(r.value),
      partition: r.partition,
      timestamp: r.timestamp,
      headers: r.headers?.map(([k, v]) => [k, toB64(v)]),
    }),
  );
  const acks = (await runTool(['produce', bootstrapFor(t, o), topic], o, `${lines.join('\n')}\n`)) as Array<{
    partition: number;
    offset: number;
  }>;
  if (acks.length !== records.length) throw new Error(`KafkaTool produce acknowledged ${acks.length} of ${records.length} records`);
  return acks;
}

/** The partition the Java producer's default partitioner (murmur2 of the UTF-8 key) picks for each key; it sends one record per key. */
export async function javaPartitionsFor(t: Target, topic: string, keys: string[], o: JavaCallOptions = {}): Promise<number[]> {
  const out = (await runTool(['partition-for', bootstrapFor(t, o), topic, ...keys], o)) as Array<{ key: string; partition: number }>;
  if (out.length !== keys.length || out.some((r, i) => r.key !== keys[i]))
    throw new Error(`KafkaTool partition-for answered for other keys: ${JSON.stringify(out)}`);
  return out.map((r) => r.partition);
}

export type JavaGroupEvent =
  | { event: 'assigned' | 'revoked' | 'lost'; partitions: number[]; at: number }
  | { event: 'record'; partition: number; offset: number; key: Buffer | null; value: Buffer | null; at: number };

/** A Java KafkaConsumer in a consumer group, running until stop(). */
export interface JavaGroupMember {
  /** what it printed so far, in order: assignment changes and records, each with its wall-clock time */
  readonly events: JavaGroupEvent[];
  /** the partitions it owns now */
  owned(): number[];
  /** closes the consumer (it leaves the group) and waits for the JVM to exit */
  stop(): Promise<void>;
}

/**
 * Starts a Java `KafkaConsumer` subscribed to `topic` in `group` (its defaults, so the classic
 * protocol and the assignors [range, cooperative-sticky]; `clientConfig` changes them). It commits
 * after each poll and leaves the group on stop().
 */
export async function javaGroupMember(t: Target, topic: string, group: string, o: JavaCallOptions = {}): Promise<JavaGroupMember> {
  const { dist, classes } = await prepare();
  const { pre, cleanup } = configArgs(o);
  const child = spawn('java', [...jvmArgs(dist, classes), ...pre, 'consume-group', bootstrapFor(t, o), topic, group], {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: JavaGroupEvent[] = [];
  const owned = new Set<number>();
  let partial = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const l of lines.filter((x) => x.trim())) {
      const e = JSON.parse(l) as Record<string, unknown>;
      if (e.event) {
        const ev = e as { event: 'assigned' | 'revoked' | 'lost'; partitions: number[]; at: number };
        for (const p of ev.partitions)
          if (ev.event === 'assigned') owned.add(p);
          else owned.delete(p);
        events.push(ev);
      } else {
        const r = e as { partition: number; offset: number; key: string | null; value: string | null; at: number };
        events.push({ ...r, event: 'record', key: fromB64(r.key), value: fromB64(r.value) });
      }
    }
  });
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-6000)));
  child.stdin.on('error', () => undefined);
  const killer = () => child.kill('SIGKILL');
  process.on('exit', killer);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    events,
    owned: () => [...owned].sort((a, b) => a - b),
    async stop() {
      child.stdin.end();
      const timer = setTimeout(killer, o.timeoutMs ?? 60_000);
      const code = await exited;
      clearTimeout(timer);
      process.removeListener('exit', killer);
      cleanup();
      if (code !== 0) throw new Error(`KafkaTool consume-group exited ${code}; stderr ends:\n${err.trimEnd()}`);
    },
  };
}

/** One step of a transactional producer: a record, or the start or end of a transaction. */
export type JavaTransactionStep = JavaProduceRecord | 'begin' | 'commit' | 'abort';

/** Produces with a transactional Java producer; resolves with each record's partition and offset (aborted ones too). */
export async function javaProduceTransactional(
  t: Target,
  topic: string,
  steps: JavaTransactionStep[],
  o: JavaCallOptions = {},
): Promise<Array<{ partition: number; offset: number }>> {
  const lines = steps.map((s) =>
    typeof s === 'string'
      ? JSON.stringify({ [s]: true })
      : JSON.stringify({ key: toB64(s.key), value: toB64(s.value), partition: s.partition }),
  );
  return (await runTool(['produce-transactional', bootstrapFor(t, o), topic], o, `${lines.join('\n')}\n`)) as Array<{
    partition: number;
    offset: number;
  }>;
}

import * as os from 'os';
import * as path from 'path';
import { Client, KafkaAdmin, Producer, RecordMetadata } from '../lib';
import { waitWith } from '../cli/progress';
import { startKafka } from '../tools/kafka-broker';
import { ensureKafka, KAFKA_VERSION } from '../tools/kafka-distribution';
import { envInt, javaVersion, runChild, withLoad } from './harness';
import { javaArgsOf, JavaDriver, prepareKafkaJavaDriver } from './java-driver';
import type { KafkaTask } from './kafka-task';
import type { RunResult } from './run-result';
import { PLATFORMATIC_VERSION, preparePlatformatic, type Platformatic } from './platformatic';
import { formatKafkaTable, KafkaRound, KafkaScenarioRounds } from './table';

// npm run bench -- --backend kafka: cortado, the Java KafkaProducer and kafkajs side by side on one
// Kafka broker, producing only; each scenario run by each side in its own child process, rounds
// interleaved (cortado, Java, kafkajs, cortado, ...). The same options as the Pulsar bench
// (BENCH_ROUNDS, BENCH_MESSAGES, --quick, BENCH_ONLY, BENCH_JAVA=0, BENCH_JAVA_OPTS), plus
// BENCH_KAFKAJS=0 and BENCH_KAFKAJS_MAX (kafkajs's measured messages per run at most, default
// 20000, quick 2000); CORTADO_URL=kafka://host:port names an existing broker instead of starting one.
// @platformatic/kafka runs beside them on Node >= 22.22 (--node, else the Node 24 .ci/run caches; bench/platformatic.ts),
// with kafkajs's cap on messages; BENCH_PLATFORMATIC=0 leaves it out.

const SIZE = 1024;
const PARTITIONS = 4;
const BATCH_BYTES = 128 * 1024;

export interface KafkaScenario {
  name: string;
  /** multiple of BENCH_MESSAGES */
  share: number;
  inFlight: number;
  lingerMs: number;
  compression: KafkaTask['compression'];
  /** read a backlog (written once per round, the same for every side) as a group member instead */
  consume?: boolean;
}

export const SCENARIOS: KafkaScenario[] = [
  { name: 'sequential produceSync', share: 0.1, inFlight: 1, lingerMs: 0, compression: 'none' },
  { name: 'async, 1,000 in flight, linger 0', share: 1, inFlight: 1000, lingerMs: 0, compression: 'none' },
  { name: 'async, batched (linger 10 ms, 128 KiB)', share: 4, inFlight: 1000, lingerMs: 10, compression: 'none' },
  { name: 'batched + LZ4', share: 4, inFlight: 1000, lingerMs: 10, compression: 'lz4' },
  { name: 'batched + ZSTD', share: 4, inFlight: 1000, lingerMs: 10, compression: 'zstd' },
  { name: 'consume, group member, commits on', share: 4, inFlight: 1000, lingerMs: 10, compression: 'none', consume: true },
];

/** Whether @platformatic/kafka takes part: its driver only produces, so not in a consume row. */
export const platformaticRuns = (s: KafkaScenario): boolean => !s.consume;

/** Writes a consume scenario's backlog (batched, keyed as the producers' rows) with cortado. */
async function fill(url: string, topic: string, n: number): Promise<void> {
  const p = new Producer<RecordMetadata>(
    { url, topics: [topic], batchingEnabled: true, batchingMaxBytes: BATCH_BYTES, partitionStrategy: 'murmur2' },
    {},
  );
  await p.start();
  try {
    const value = Buffer.alloc(SIZE, 'x');
    for (let i = 0; i < n; i += 10_000)
      await Promise.all(Array.from({ length: Math.min(10_000, n - i) }, (_, j) => p.produce(topic, `k${(i + j) % 1000}`, value)));
  } finally {
    await p.close();
  }
}

const CORTADO_DRIVER = path.join(__dirname, 'kafka-driver.js');
const KAFKAJS_DRIVER = path.join(__dirname, 'kafkajs-driver.js');
const PLATFORMATIC_DRIVER = path.join(__dirname, 'platformatic-driver.js');

/** kafkajs's share of a scenario: at most `max` measured messages, the warm-up scaled alike. */
function kafkajsCounts(messages: number, warmup: number, max: number): { messages: number; warmup: number } {
  if (messages <= max) return { messages, warmup };
  return { messages: max, warmup: Math.max(100, Math.round((warmup * max) / messages)) };
}

interface Broker {
  url: string;
  stop(): Promise<void>;
}

async function broker(): Promise<Broker> {
  const url = process.env.CORTADO_URL;
  if (url) {
    if (!url.startsWith('kafka://')) throw new Error(`--backend kafka needs CORTADO_URL=kafka://host:port, got ${url}`);
    return { url, stop: async () => undefined };
  }
  const b = await startKafka();
  return { url: b.bootstrap, stop: () => b.stop() };
}

async function prepareJava(): Promise<JavaDriver | { skip: string }> {
  if (process.env.BENCH_JAVA === '0') return { skip: 'BENCH_JAVA=0' };
  try {
    return prepareKafkaJavaDriver(await ensureKafka());
  } catch (e) {
    return { skip: (e as Error).message };
  }
}

export async function kafkaBench(quick: boolean): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', quick ? 1 : 5);
  const base = envInt('BENCH_MESSAGES', quick ? 5_000 : 50_000);
  const only = process.env.BENCH_ONLY;
  const withKafkajs = process.env.BENCH_KAFKAJS !== '0';
  const kafkajsMax = envInt('BENCH_KAFKAJS_MAX', quick ? 2_000 : 20_000);
  const scenarios = SCENARIOS.filter((s) => !only || s.name.includes(only));
  const pf: Platformatic | { skip: string } = preparePlatformatic();
  const platformatic = 'skip' in pf ? undefined : pf;
  if ('skip' in pf) console.log(`@platformatic/kafka skipped: ${pf.skip}`);
  const results: KafkaScenarioRounds[] = scenarios.map((s) => ({
    name: s.name,
    latencyTargets: s.inFlight === 1,
    kafkajsNa: !withKafkajs ? 'BENCH_KAFKAJS=0' : s.compression !== 'none' ? `kafkajs ships no ${s.compression} codec` : undefined,
    platformaticNa: 'skip' in pf ? pf.skip : undefined,
    rounds: [] as KafkaRound[],
  }));
  const b = await broker();
  const client = new Client({ url: b.url }, {});
  const admin = client.admin() as KafkaAdmin;
  const stamp = Date.now().toString(36);
  let java: JavaDriver | undefined;
  try {
    const prepared = await prepareJava();
    if ('skip' in prepared) console.log(`Java side skipped: ${prepared.skip}`);
    else java = prepared;
    for (let round = 1; round <= rounds; round++) {
      for (const [i, s] of scenarios.entries()) {
        const messages = Math.max(100, Math.round(base * s.share));
        const warmup = s.inFlight === 1 ? Math.min(500, messages) : Math.max(100, Math.round(messages / 10));
        // a consume row reads one backlog per round, each side as its own group
        const backlogTopic = s.consume ? `bench-${stamp}-${i}-backlog-${round}` : undefined;
        if (backlogTopic) {
          await admin.createPartitionedTopic(backlogTopic, PARTITIONS);
          await fill(b.url, backlogTopic, warmup + messages);
        }
        const task = async (side: string): Promise<KafkaTask> => {
          const topic = backlogTopic ?? `bench-${stamp}-${i}-${side}-${round}`;
          if (!backlogTopic) await admin.createPartitionedTopic(topic, PARTITIONS);
          return {
            mode: s.consume ? 'consume' : 'produce',
            group: `bench-${stamp}-${i}-${side}-${round}`,
            url: b.url,
            topic,
            messages,
            warmup,
            inFlight: s.inFlight,
            lingerMs: s.lingerMs,
            batchBytes: BATCH_BYTES,
            compression: s.compression,
            size: SIZE,
          };
        };
        const ct = await task('cortado');
        const jt = java ? await task('java') : undefined;
        // kafkajs sends one request at a time per broker: fewer messages keep its runs to tens of seconds
        const kt = results[i].kafkajsNa ? undefined : { ...(await task('kafkajs')), ...kafkajsCounts(messages, warmup, kafkajsMax) };
        // one request in flight as well: the same cap
        const pt =
          platformatic && platformaticRuns(s)
            ? { ...(await task('platformatic')), ...kafkajsCounts(messages, warmup, kafkajsMax) }
            : undefined;
        const label = (side: string) => `round ${round}/${rounds} ${side}: ${s.name}`;
        const { value, load } = await withLoad(async () => {
          const cortado = await waitWith(
            label('cortado'),
            runChild(`cortado: ${s.name}`, process.execPath, [CORTADO_DRIVER, JSON.stringify(ct)]),
          );
          const j =
            java && jt
              ? await waitWith(label('java'), runChild(`java: ${s.name}`, java.command, [...java.baseArgs, ...javaArgsOf(jt)]))
              : undefined;
          const k = kt
            ? await waitWith(label('kafkajs'), runChild(`kafkajs: ${s.name}`, process.execPath, [KAFKAJS_DRIVER, JSON.stringify(kt)]))
            : undefined;
          const p =
            platformatic && pt
              ? await waitWith(
                  label('@platformatic/kafka'),
                  runChild(`@platformatic/kafka: ${s.name}`, platformatic.node.path, [PLATFORMATIC_DRIVER, JSON.stringify(pt)], {
                    CORTADO_PLATFORMATIC_DIR: platformatic.dir,
                  }),
                )
              : undefined;
          return { cortado, java: j, kafkajs: k, platformatic: p };
        });
        results[i].rounds.push({ ...value, load });
        const rate = (r?: RunResult) => (r ? `${Math.round(r.messages / r.seconds)} msg/s` : '—');
        console.error(
          `[bench] round ${round}/${rounds} ${s.name}: cortado ${rate(value.cortado)}, java ${rate(value.java)}, kafkajs ${rate(value.kafkajs)}, platformatic ${rate(value.platformatic)}, load ${load.toFixed(2)}`,
        );
      }
    }
  } finally {
    await client.close().catch(() => undefined);
    await b.stop();
  }
  const cpus = os.cpus();
  console.log(
    `\nmachine: ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; ${java ? javaVersion() : 'no Java'}; Kafka ${KAFKA_VERSION} (${process.env.CORTADO_URL ? 'CORTADO_URL' : 'one KRaft node started by the bench'})${platformatic ? `; @platformatic/kafka ${PLATFORMATIC_VERSION} on node ${platformatic.node.version}` : ''}`,
  );
  console.log(
    `${SIZE}-byte keyed values, ${PARTITIONS} partitions, acks=all, idempotent, ${rounds} interleaved round(s), base ${base} messages; kafkajs${platformatic ? ' and @platformatic/kafka' : ''} at most ${kafkajsMax} measured messages per run; cells: cortado / Java / kafkajs / @platformatic/kafka (**median of per-round cortado ÷ Java**; kafkajs ÷ Java; platformatic ÷ Java)\n`,
  );
  console.log(formatKafkaTable(results));
}

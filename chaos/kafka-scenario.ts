import { Producer, ProducerOptions, RecordMetadata } from '../lib';
import type { KafkaBroker } from '../tools/kafka-broker';
import { createTopic, describeTopic, javaConsumeToEnd } from '../tools/kafka-java';
import { FaultOutcome, newOutcome } from './faults';
import { Tally, Verdict } from './readback';
import { resultOf, type ScenarioResult } from './scenario';
import { drive, Ledger, WorkloadOptions } from './workload';

// One scenario of the Kafka chaos run: the keyed workload through the public Producer over
// kafka:// while brokers are SIGKILLed and restarted, then every partition read back by the Java
// KafkaConsumer (independent of cortado) and checked against the ledger.

export const KAFKA_MODES = {
  unbatched: {},
  batched: { batchingEnabled: true },
  'batched+lz4': { batchingEnabled: true, compression: 'lz4' },
  'batched+zstd': { batchingEnabled: true, compression: 'zstd' },
} as const;
export type KafkaMode = keyof typeof KAFKA_MODES;

export type KafkaFault =
  /** SIGKILL every node at once and restart them (the single-node scenario) */
  | { kind: 'kill'; at: number }
  /** SIGKILL the node leading the most partitions; restart it once `restartAt` messages were handed over */
  | { kind: 'leader-kill'; at: number; restartAt: number };

export interface KafkaScenarioSpec {
  name: string;
  mode: KafkaMode;
  faults: KafkaFault[];
  workload: WorkloadOptions;
  partitions: number;
  sendTimeoutMs: number;
  /** distinguishes this run's payloads and topics */
  run: string;
  /** how long to wait for unsettled sends after the last hand-over */
  settleMs: number;
  /** how long the Java read-back may take */
  readTimeoutMs: number;
  /** how long to wait for the first send resolved after a fault before giving up on timing it */
  recoveryWaitMs: number;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);

/** Resolves with the time of the first send resolved on one of `partitions` after the call, or undefined after ms. */
function firstResolved(ledger: Ledger, partitions: Set<number>, ms: number): { at: Promise<number | undefined>; cancel(): void } {
  let done: (t: number | undefined) => void = () => undefined;
  const at = new Promise<number | undefined>((r) => (done = r));
  const timer = setTimeout(() => finish(undefined), ms);
  const finish = (t: number | undefined) => {
    clearTimeout(timer);
    ledger.onResolved = undefined;
    done(t);
  };
  ledger.onResolved = (_i, receipt) => {
    if (partitions.has((receipt as RecordMetadata).partition)) finish(Date.now());
  };
  return { at, cancel: () => finish(undefined) };
}

/** Runs each fault when the workload reaches its point; recovery is from the SIGKILL to the first send resolved after it. */
async function inflict(
  faults: KafkaFault[],
  broker: KafkaBroker,
  leaders: Map<number, number[]>,
  partitions: number,
  ledger: Ledger,
  waitMs: number,
  log: (line: string) => void,
): Promise<FaultOutcome[]> {
  const outcomes: FaultOutcome[] = [];
  for (const f of faults) {
    await ledger.reached(f.at);
    const out = newOutcome(f.kind, ledger.handed);
    outcomes.push(out);
    if (f.kind === 'kill') {
      const all = new Set(Array.from({ length: partitions }, (_, p) => p));
      log(`  SIGKILL every node at ${out.at} handed over (${ledger.pending} unsettled)`);
      const t0 = Date.now();
      await Promise.all(broker.nodes.map((n) => broker.kill(n.id)));
      // armed once the JVM is gone, so an answer it sent just before dying is not counted
      const watch = firstResolved(ledger, all, waitMs);
      await Promise.all(broker.nodes.map((n) => broker.restart(n.id)));
      out.downMs = Date.now() - t0;
      log(`  broker back after ${(out.downMs / 1000).toFixed(1)} s`);
      const at = await watch.at;
      out.recoveryMs = at === undefined ? undefined : at - t0;
    } else {
      // the node leading the most partitions at the start (no fault has moved a leader yet)
      const [victim, led] = [...leaders.entries()].sort((x, y) => y[1].length - x[1].length)[0];
      log(`  SIGKILL node ${victim} (leader of partitions ${led.join(',')}) at ${out.at} handed over (${ledger.pending} unsettled)`);
      const t0 = Date.now();
      await broker.kill(victim);
      const watch = firstResolved(ledger, new Set(led), waitMs);
      const at = await watch.at;
      out.recoveryMs = at === undefined ? undefined : at - t0;
      log(`  first send on its partitions resolved ${at === undefined ? 'never (within the wait)' : `after ${at - t0} ms`}`);
      await ledger.reached(f.restartAt);
      log(`  restarting node ${victim} at ${ledger.handed} handed over`);
      await broker.restart(victim);
      out.downMs = Date.now() - t0;
      log(`  node ${victim} back after ${(out.downMs / 1000).toFixed(1)} s`);
    }
  }
  return outcomes;
}

/** Reads every partition to its end with the Java consumer and counts it against the ledger. */
async function readBack(
  broker: KafkaBroker,
  topic: string,
  run: string,
  keys: number,
  ledger: Ledger,
  timeoutMs: number,
): Promise<Verdict> {
  const { records, endOffsets } = await javaConsumeToEnd(broker, topic, timeoutMs);
  const tally = new Tally(run, keys, ledger);
  // the log's record count by its end offsets (no transactions: offsets are dense)
  tally.v.adminBacklog = endOffsets.reduce((a, b) => a + b, 0);
  for (const r of records) tally.add(r.value ?? Buffer.alloc(0), `${r.partition}@${r.offset}`);
  return tally.finish();
}

export async function runKafkaScenario(broker: KafkaBroker, s: KafkaScenarioSpec, extra: ProducerOptions = {}): Promise<ScenarioResult> {
  const t0 = Date.now();
  const topic = `chaos-${s.name}-${s.mode.replace('+', '-')}-${s.run}`;
  const replicated = broker.nodes.length > 1;
  await createTopic(broker, topic, s.partitions, {
    replicationFactor: broker.nodes.length,
    config: replicated ? { 'min.insync.replicas': '2' } : {},
  });
  const leaders = new Map<number, number[]>();
  for (const p of await describeTopic(broker, topic))
    if (p.leader !== null) leaders.set(p.leader, [...(leaders.get(p.leader) ?? []), p.partition]);
  const producer = new Producer<RecordMetadata>(
    { url: broker.bootstrap, topics: [topic], sendTimeoutMs: s.sendTimeoutMs, ...KAFKA_MODES[s.mode], ...extra },
    // only the log level comes from the environment (CORTADO_LOG_LEVEL=debug shows every resend)
    { CORTADO_LOG_LEVEL: process.env.CORTADO_LOG_LEVEL },
  );
  await producer.start();
  const ledger = new Ledger(s.workload.messages);
  const [, faults] = await Promise.all([
    drive(producer, topic, s.run, s.workload, ledger),
    inflict(s.faults, broker, leaders, s.partitions, ledger, s.recoveryWaitMs, s.log),
  ]);
  const neverSettled = await ledger.drain(s.settleMs);
  if (replicated) {
    // shows whether the restarted node took its leaderships back while the workload ran
    const now = await describeTopic(broker, topic).catch(() => []);
    s.log(
      `  leaders now: ${now.map((p) => `${p.partition}→${p.leader}`).join(' ')} (at the start: ${[...leaders].map(([n, ps]) => `${n}: ${ps.join(',')}`).join('; ')})`,
    );
  }
  s.log(`  ${ledger.handed} handed over, ${ledger.resolved} resolved, ${neverSettled} never settled; closing the producer`);
  const closeHung = !(await within(producer.close(), 30_000));
  const verdict = await readBack(broker, topic, s.run, s.workload.keys, ledger, s.readTimeoutMs);
  return resultOf(s, topic, ledger, { neverSettled, closeHung, faults, verdict, ms: Date.now() - t0 });
}

import { Producer, ProducerOptions, MessageId } from '../lib';
import { createPartitionedTopic } from '../tools/admin';
import type { RestartableBroker } from '../tools/restartable-standalone';
import { Fault, FaultOutcome, inflict } from './faults';
import { verify, Verdict } from './readback';
import { drive, Ledger, WorkloadOptions } from './workload';

// One scenario of a chaos run: a keyed workload through the public Producer while faults hit
// the broker, then the topic read back and checked.

export const MODES = {
  unbatched: {},
  batched: { batchingEnabled: true },
  'batched+lz4': { batchingEnabled: true, compression: 'lz4' },
} as const;
export type Mode = keyof typeof MODES;

export interface ScenarioSpec {
  name: string;
  mode: Mode;
  faults: Fault[];
  workload: WorkloadOptions;
  partitions: number;
  sendTimeoutMs: number;
  /** distinguishes this run's payloads and topics */
  run: string;
  /** how long to wait for unsettled sends after the last hand-over */
  settleMs: number;
  readIdleMs: number;
  log: (line: string) => void;
}

export interface ScenarioResult {
  name: string;
  /** a Pulsar Mode, or a Kafka one (chaos/kafka-scenario.ts) */
  mode: string;
  topic: string;
  handed: number;
  resolved: number;
  rejectedBy: Record<string, number>;
  neverSettled: number;
  stalled: boolean;
  cutShort: boolean;
  closeHung: boolean;
  faults: FaultOutcome[];
  verdict: Verdict;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within ms, false otherwise. */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);

export async function runScenario(broker: RestartableBroker, s: ScenarioSpec, extra: ProducerOptions = {}): Promise<ScenarioResult> {
  const t0 = Date.now();
  const topic = `persistent://public/chaos/chaos-${s.name}-${s.mode.replace('+', '-')}-${s.run}`;
  await createPartitionedTopic(broker.adminUrl, topic, s.partitions);
  const producer = new Producer<MessageId>(
    { url: broker.serviceUrl, topics: [topic], sendTimeoutMs: s.sendTimeoutMs, ...MODES[s.mode], ...extra },
    // only the log level comes from the environment (CORTADO_LOG_LEVEL=debug shows every reconnect)
    { CORTADO_LOG_LEVEL: process.env.CORTADO_LOG_LEVEL },
  );
  await producer.start();
  const ledger = new Ledger(s.workload.messages);
  const [, faults] = await Promise.all([
    drive(producer, topic, s.run, s.workload, ledger),
    inflict(s.faults, broker, producer, topic, s.partitions, ledger, s.log),
  ]);
  const neverSettled = await ledger.drain(s.settleMs);
  s.log(`  ${ledger.handed} handed over, ${ledger.resolved} resolved, ${neverSettled} never settled; closing the producer`);
  const closeHung = !(await within(producer.close(), 30_000));
  const verdict = await verify(broker.serviceUrl, broker.adminUrl, topic, s.run, s.workload.keys, ledger, {
    idleMs: s.readIdleMs,
    deadlineMs: 300_000,
  });
  return resultOf(s, topic, ledger, { neverSettled, closeHung, faults, verdict, ms: Date.now() - t0 });
}

/** A scenario's row: what the ledger counted, plus what the run measured. */
export function resultOf(
  s: { name: string; mode: string },
  topic: string,
  ledger: Ledger,
  measured: Pick<ScenarioResult, 'neverSettled' | 'closeHung' | 'faults' | 'verdict' | 'ms'>,
): ScenarioResult {
  return {
    name: s.name,
    mode: s.mode,
    topic,
    handed: ledger.handed,
    resolved: ledger.resolved,
    rejectedBy: Object.fromEntries(ledger.rejectedBy),
    stalled: ledger.stalled,
    cutShort: ledger.cutShort,
    ...measured,
  };
}

/** The counts that must be zero, by name; a non-empty list fails the run. */
export function violations(r: ScenarioResult): string[] {
  const bad: string[] = [];
  if (r.neverSettled) bad.push(`${r.neverSettled} never settled`);
  if (r.verdict.lost) bad.push(`${r.verdict.lost} lost`);
  if (r.verdict.duplicated) bad.push(`${r.verdict.duplicated} duplicated`);
  if (r.verdict.orderViolations) bad.push(`${r.verdict.orderViolations} order violations`);
  const wedged = r.faults.reduce((n, f) => n + f.probeFailures.length, 0);
  if (wedged) bad.push(`${wedged} failed probes`);
  if (r.stalled) bad.push('the workload stalled');
  if (r.cutShort) bad.push(`cut short: ${r.handed} handed over in the time allowed`);
  if (r.handed < 1) bad.push('nothing was sent');
  return bad;
}

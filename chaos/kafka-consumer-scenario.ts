import { ChildProcess, fork } from 'child_process';
import * as path from 'path';
import { Consumer, Producer, RecordMetadata } from '../lib';
import type { KafkaBroker } from '../tools/kafka-broker';
import { createTopic } from '../tools/kafka-java';
import { probeMetadata } from '../tools/kafka-probe';
import type { MemberArgs, MemberReport } from './kafka-member';

// The Kafka consumer chaos scenarios: a backlog written first, then read by a group of three
// cortado members (child processes) while a member is SIGKILLed and replaced, the broker restarts,
// or the 3-node cluster loses the group coordinator. Counted from what the members report.

export const CONSUMER_FAULTS = ['member-kill', 'broker-restart', 'coordinator-kill'] as const;
export type ConsumerFault = (typeof CONSUMER_FAULTS)[number];

export interface ConsumerScenarioSpec {
  fault: ConsumerFault;
  /** records in the backlog */
  records: number;
  partitions: number;
  /** the fault strikes once this many records were handled */
  at: number;
  perRecordMs: number;
  sessionTimeoutMs: number;
  offsetCommitIntervalMs: number;
  /** the members' fetch size per partition (default the consumer's); small, so that fetching goes on after the fault */
  maxPartitionBytes?: number;
  /** records per batch of the backlog (default the producer's); small, so that one fetch does not take a whole partition */
  backlogBatchMessages?: number;
  /** distinguishes this run's topics and groups */
  run: string;
  /** how long the whole read may take */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface ConsumerScenarioResult {
  fault: ConsumerFault;
  records: number;
  /** distinct records handled */
  handled: number;
  lost: number;
  duplicates: number;
  /** the records the affected members handled while their commits could not land: duplicates may reach this */
  uncommittedWindow: number;
  /** within one member and partition, a batch whose offsets do not follow one another */
  orderViolations: number;
  /** within one member and partition, a batch starting before where its last one ended (a re-read after a rebalance) */
  rewinds: number;
  /** records a fresh member of the group got after the run: 0 when the committed offsets reached the end */
  afterEnd: number;
  members: number;
  /** records handled when the fault struck: below `records`, or the fault missed the stream */
  handledAtFault: number;
  /** the longest pause of any partition's progress from the fault on (records buffered before it keep being handled meanwhile) */
  stallMs: number;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Member {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
}

interface Handled {
  member: string;
  partition: number;
  offsets: number[];
  at: number;
}

/** The group coordinator: the leader of the __consumer_offsets partition of the group (the brokers run it with one partition). */
async function coordinatorOf(broker: KafkaBroker): Promise<number> {
  // a metadata probe, not a JVM: the lookup must end well before the fault point, even on a loaded machine
  const node = broker.nodes.find((n) => n.running()) ?? broker.nodes[0];
  const m = await probeMetadata(node.hostPort, 10_000, ['__consumer_offsets']);
  const p0 = m.topics.find((t) => t.name === '__consumer_offsets')?.partitions.find((p) => p.partition === 0);
  if (!p0 || p0.leader < 0) throw new Error(`__consumer_offsets-0 has no leader (node ${node.id} answered ${JSON.stringify(m.topics)})`);
  return p0.leader;
}

export async function runKafkaConsumerScenario(broker: KafkaBroker, s: ConsumerScenarioSpec): Promise<ConsumerScenarioResult> {
  const t0 = Date.now();
  const topic = `chaos-consume-${s.fault}-${s.run}`;
  const group = `chaos-group-${s.fault}-${s.run}`;
  await createTopic(broker, topic, s.partitions, { replicationFactor: broker.nodes.length });
  const ends = await backlog(broker, topic, s.records, s.partitions, s.backlogBatchMessages);
  s.log(`  backlog: ${s.records} records over ${s.partitions} partitions`);

  const batches: Handled[] = [];
  const members: Member[] = [];
  let count = 0;
  const spawn = (name: string): Member => {
    const args: MemberArgs = {
      bootstrap: broker.bootstrap,
      topic,
      group,
      name,
      perRecordMs: s.perRecordMs,
      sessionTimeoutMs: s.sessionTimeoutMs,
      offsetCommitIntervalMs: s.offsetCommitIntervalMs,
      maxPartitionBytes: s.maxPartitionBytes,
    };
    const child = fork(path.join(__dirname, 'kafka-member.js'), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let ready = () => undefined as void;
    const m: Member = {
      name,
      child,
      ready: new Promise<void>((r) => (ready = r)),
      exited: new Promise<void>((r) => child.once('exit', () => r())),
    };
    child.on('message', (r: MemberReport) => {
      if (r.type === 'ready') ready();
      if (r.type === 'batch') {
        batches.push({ member: name, partition: r.partition, offsets: r.offsets, at: r.at });
        count += r.offsets.length;
      }
    });
    members.push(m);
    return m;
  };
  const distinct = () => new Set(batches.flatMap((b) => b.offsets.map((o) => `${b.partition}@${o}`))).size;

  // when the fault struck, when the brokers (or the replacement) were back, and whose commits it stopped
  const f = { at: 0, back: 0, affected: [] as string[], handled: 0 };
  try {
    await Promise.all(['m1', 'm2', 'm3'].map((n) => spawn(n).ready));
    // the victims are known before the fault point (a JVM lookup takes seconds; __consumer_offsets exists once the members joined)
    const victims =
      s.fault === 'broker-restart' ? broker.nodes.map((n) => n.id) : s.fault === 'coordinator-kill' ? [await coordinatorOf(broker)] : [];
    const deadline = t0 + s.timeoutMs;
    while (count < s.at && Date.now() < deadline) await sleep(20);
    f.at = Date.now();
    f.handled = count;
    if (s.fault === 'member-kill') {
      const victim = members[0];
      s.log(`  SIGKILL member ${victim.name} at ${count} handled; starting m4`);
      victim.child.kill('SIGKILL');
      await victim.exited;
      f.affected = [victim.name];
      f.back = Date.now();
      spawn('m4');
    } else {
      const nodes = victims;
      s.log(`  SIGKILL node(s) ${nodes.join(',')}${s.fault === 'coordinator-kill' ? ' (the group coordinator)' : ''} at ${count} handled`);
      await Promise.all(nodes.map((id) => broker.kill(id)));
      await Promise.all(nodes.map((id) => broker.restart(id)));
      f.back = Date.now();
      s.log(`  back after ${((f.back - f.at) / 1000).toFixed(1)} s`);
      f.affected = members.map((m) => m.name);
    }
    while (distinct() < s.records && Date.now() < deadline) await sleep(50);
    s.log(`  ${distinct()} of ${s.records} handled; stopping the members`);
  } finally {
    for (const m of members) {
      if (m.child.exitCode !== null || m.child.signalCode !== null) continue;
      m.child.send({ stop: true });
    }
    await Promise.race([Promise.all(members.map((m) => m.exited)), sleep(30_000)]);
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
  }
  const afterEnd = await probeAfterEnd(broker, topic, group);
  // from the last commit that surely landed before the fault until the first after recovery (a commit interval, plus a heartbeat to rejoin)
  const windowFrom = f.at - s.offsetCommitIntervalMs - 1000;
  const windowTo = f.back + (s.fault === 'member-kill' ? 0 : s.offsetCommitIntervalMs + Math.floor(s.sessionTimeoutMs / 5) + 1000);
  return {
    ...tally(batches, ends, f.affected, windowFrom, windowTo),
    fault: s.fault,
    records: s.records,
    afterEnd,
    members: members.length,
    handledAtFault: f.handled,
    stallMs: longestStall(batches, f.at),
    ms: Date.now() - t0,
  };
}

/** Writes `records` keyed records spread over the partitions; returns each partition's end offset. */
async function backlog(broker: KafkaBroker, topic: string, records: number, partitions: number, batchMessages?: number): Promise<number[]> {
  const p = new Producer<RecordMetadata>(
    { url: broker.bootstrap, topics: [topic], batchingEnabled: true, ...(batchMessages ? { batchingMaxMessages: batchMessages } : {}) },
    {},
  );
  await p.start();
  try {
    const ids = await Promise.all(Array.from({ length: records }, (_, i) => p.produce(topic, `k${i % 997}`, `r${i}`)));
    const ends = new Array<number>(partitions).fill(0);
    for (const id of ids) ends[id.partition] = Math.max(ends[id.partition], id.offset + 1);
    return ends;
  } finally {
    await p.close();
  }
}

// A new member of the group after the others left: it starts at the committed offsets, so it gets nothing when they reached the end.
async function probeAfterEnd(broker: KafkaBroker, topic: string, group: string): Promise<number> {
  let got = 0;
  const c = new Consumer(
    {
      url: broker.bootstrap,
      topics: [topic],
      subscription: group,
      subscriptionInitialPosition: 'earliest',
      handleMessages: (msgs) => {
        got += msgs.length;
      },
    },
    {},
  );
  await c.start();
  await sleep(3000);
  await c.close();
  return got;
}

/** The longest time any partition went without a handled batch, from `from` until its last batch. */
function longestStall(batches: Handled[], from: number): number {
  const last = new Map<number, number>();
  let longest = 0;
  for (const b of [...batches].sort((x, y) => x.at - y.at)) {
    if (b.at < from) continue;
    longest = Math.max(longest, b.at - (last.get(b.partition) ?? from));
    last.set(b.partition, b.at);
  }
  return longest;
}

function tally(batches: Handled[], ends: number[], affected: string[], windowFrom: number, windowTo: number) {
  const times = new Map<string, number>();
  let orderViolations = 0;
  let rewinds = 0;
  let uncommittedWindow = 0;
  const last = new Map<string, number>();
  for (const b of batches) {
    for (const o of b.offsets) times.set(`${b.partition}@${o}`, (times.get(`${b.partition}@${o}`) ?? 0) + 1);
    for (let i = 1; i < b.offsets.length; i++) if (b.offsets[i] !== b.offsets[i - 1] + 1) orderViolations++;
    const k = `${b.member}/${b.partition}`;
    const prev = last.get(k);
    if (prev !== undefined && b.offsets[0] <= prev) rewinds++;
    last.set(k, b.offsets[b.offsets.length - 1]);
    if (affected.includes(b.member) && b.at >= windowFrom && b.at <= windowTo) uncommittedWindow += b.offsets.length;
  }
  let lost = 0;
  ends.forEach((end, p) => {
    for (let o = 0; o < end; o++) if (!times.has(`${p}@${o}`)) lost++;
  });
  const duplicates = [...times.values()].reduce((n, t) => n + t - 1, 0);
  return { handled: times.size, lost, duplicates, uncommittedWindow, orderViolations, rewinds };
}

/** What must hold: nothing lost, duplicates within the uncommitted window, committed to the end, order kept. */
export function consumerViolations(r: ConsumerScenarioResult): string[] {
  const v: string[] = [];
  if (r.lost) v.push(`${r.lost} lost`);
  if (r.duplicates > r.uncommittedWindow) v.push(`${r.duplicates} duplicates, more than the uncommitted window of ${r.uncommittedWindow}`);
  if (r.afterEnd) v.push(`${r.afterEnd} records after the committed offsets`);
  if (r.orderViolations) v.push(`${r.orderViolations} order violations`);
  if (r.handledAtFault >= r.records) v.push(`the fault struck after all ${r.records} records were handled`);
  return v;
}

export function consumerTable(rows: ConsumerScenarioResult[]): string {
  const head = [
    'fault',
    'records',
    'handled at the fault',
    'handled',
    'lost',
    'duplicates',
    'uncommitted window',
    'order violations',
    'rewinds',
    'after the end',
    'members',
    'longest stall',
  ];
  const lines = rows.map((r) => [
    r.fault,
    r.records,
    r.handledAtFault,
    r.handled,
    r.lost,
    r.duplicates,
    r.uncommittedWindow,
    r.orderViolations,
    r.rewinds,
    r.afterEnd,
    r.members,
    `${(r.stallMs / 1000).toFixed(1)} s`,
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

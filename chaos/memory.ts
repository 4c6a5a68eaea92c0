import { Producer, MessageId } from '../lib';
import { producerShape } from '../lib/core/config';
import { createPartitionedTopic, partitionedStats } from '../tools/admin';
import type { RestartableBroker } from '../tools/restartable-standalone';
import { Ledger } from './workload';

// Scenario (d): many large sends while the broker is frozen. The producer must hold no more than
// its memory limit, and nothing it reported failed may be stored once the broker thaws.

export interface MemorySpec {
  messages: number;
  bytes: number;
  sendTimeoutMs: number;
  memoryLimitBytes: number;
  /** RSS may exceed the limit by this much (the runtime, sockets, bookkeeping) */
  slackBytes: number;
  partitions: number;
  run: string;
  log: (line: string) => void;
}

export interface MemoryResult {
  messages: number;
  resolved: number;
  rejectedBy: Record<string, number>;
  neverSettled: number;
  /** whether this build's producer knows `memoryLimitBytes` (older ones reject the option) */
  limitHonoured: boolean;
  baselineRss: number;
  peakRss: number;
  /** peak minus baseline */
  growth: number;
  /** messages in the topic after the thaw (the broker's msgInCounter) */
  stored: number;
  ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runMemory(broker: RestartableBroker, s: MemorySpec): Promise<MemoryResult> {
  const t0 = Date.now();
  const topic = `persistent://public/chaos/chaos-memory-${s.run}`;
  await createPartitionedTopic(broker.adminUrl, topic, s.partitions);
  const limitHonoured = 'memoryLimitBytes' in producerShape;
  const limit = limitHonoured ? { memoryLimitBytes: s.memoryLimitBytes } : {};
  const producer = new Producer<MessageId>({ url: broker.serviceUrl, topics: [topic], sendTimeoutMs: s.sendTimeoutMs, ...limit }, {});
  await producer.start();
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const ledger = new Ledger(s.messages);
  broker.pause();
  s.log(`  broker frozen; handing over ${s.messages} × ${s.bytes} B with sendTimeoutMs ${s.sendTimeoutMs}`);
  try {
    for (let i = 0; i < s.messages; i++) {
      // a fresh buffer per message, as an app would hand over: only the client may hold it
      const value = Buffer.allocUnsafe(s.bytes).fill(i & 0xff);
      producer.produce(topic, `k${i % 1000}`, value).then(
        () => ledger.settle(i),
        (err: unknown) => ledger.settle(i, err),
      );
      ledger.handed++;
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let timers and sockets run
    }
    const left = await ledger.drain(s.sendTimeoutMs + 60_000);
    s.log(`  handed over; ${ledger.settled} settled (${left} not yet); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    broker.resume();
  }
  const neverSettled = await ledger.drain(30_000);
  clearInterval(sampler);
  await Promise.race([producer.close().catch(() => undefined), sleep(30_000)]);
  // what a thawed broker still receives may take minutes to arrive: wait until the count holds for 15 s
  let stored = -1;
  let still = 0;
  for (let i = 0; i < 60 && still < 5; i++) {
    const n = await storedCount(broker.adminUrl, topic);
    still = n === stored ? still + 1 : 0;
    stored = n;
    await sleep(3000);
  }
  return {
    messages: s.messages,
    resolved: ledger.resolved,
    rejectedBy: Object.fromEntries(ledger.rejectedBy),
    neverSettled,
    limitHonoured,
    baselineRss,
    peakRss,
    growth: peakRss - baselineRss,
    stored,
    ms: Date.now() - t0,
  };
}

async function storedCount(adminUrl: string, topic: string): Promise<number> {
  const st = await partitionedStats(adminUrl, topic, false);
  return st.msgInCounter;
}

/** Failures of scenario (d): RSS over limit + slack, unsettled sends, failed sends stored. */
export function memoryViolations(r: MemoryResult, s: Pick<MemorySpec, 'memoryLimitBytes' | 'slackBytes'>): string[] {
  const bad: string[] = [];
  if (r.growth > s.memoryLimitBytes + s.slackBytes) {
    bad.push(
      `RSS grew ${(r.growth / 2 ** 20).toFixed(0)} MiB, over the ${(s.memoryLimitBytes / 2 ** 20).toFixed(0)} MiB limit + ${(s.slackBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  if (r.neverSettled) bad.push(`${r.neverSettled} never settled`);
  const rejected = r.messages - r.resolved - r.neverSettled;
  if (r.stored > r.resolved)
    bad.push(`${r.stored - r.resolved} stored beyond the ${r.resolved} resolved (${rejected} were reported failed)`);
  return bad;
}

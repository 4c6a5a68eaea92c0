import { Producer, MessageId } from '../lib';
import { topicStats } from '../tools/admin';
import type { RestartableBroker } from '../tools/restartable-standalone';
import type { Ledger } from './workload';

// Faults a chaos run inflicts on the broker, each at a point of the workload's progress.

export type Fault =
  | { kind: 'kill'; at: number }
  | { kind: 'unload'; at: number; forMs: number; everyMs: number }
  | { kind: 'freeze'; at: number; forMs: number };

/** What one fault did and how the producer came back from it. */
export interface FaultOutcome {
  /** leader-kill: the Kafka run's SIGKILL of one node of a cluster */
  kind: Fault['kind'] | 'leader-kill';
  /** messages handed over when it began */
  at: number;
  /** how long the broker was gone (kill: until the admin API answered again) */
  downMs: number;
  /** unload requests the broker refused or timed out */
  unloadErrors: number;
  unloads: number;
  /** ms from the end of the fault until the probe of every partition was stored (the slowest) */
  recoveryMs: number | undefined;
  /** partitions whose probe was not stored: "partition: code", what the broker lists and whether a fresh producer got through */
  probeFailures: string[];
  /** probes sent again because an older send's timeout failed them before their own deadline */
  probeRetries: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A deterministic generator (mulberry32), so a run's fault moments are reproducible from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Unloads every partition every `everyMs` for `forMs`. */
async function unloadStorm(
  broker: RestartableBroker,
  topic: string,
  partitions: number,
  f: { forMs: number; everyMs: number },
  out: FaultOutcome,
): Promise<void> {
  const end = Date.now() + f.forMs;
  while (Date.now() < end) {
    const round = Date.now();
    await Promise.all(
      Array.from({ length: partitions }, (_, p) =>
        broker.unload(`${topic}-partition-${p}`).then(
          () => out.unloads++,
          () => out.unloadErrors++,
        ),
      ),
    );
    await sleep(Math.max(0, f.everyMs - (Date.now() - round)));
  }
}

/**
 * One probe per partition through produceSync: a wedged partition shows as a failed probe. A
 * probe handed over while older sends still wait fails with them when the oldest times out (as in
 * the Java and C++ clients, nothing behind a timed-out send is stored after it); such an early
 * TimeoutError is not the probe's own, so the probe is sent again. Only a probe that waited out
 * its own timeout, or a failure of another kind, counts.
 */
export async function probe(
  producer: Producer,
  adminUrl: string,
  topic: string,
  partitions: number,
  since: number,
  out: FaultOutcome,
): Promise<void> {
  const own = producer.config.sendTimeoutMs;
  const once = async (p: number): Promise<number | undefined> => {
    for (;;) {
      const at = Date.now();
      try {
        await producer.produceSync(topic, p, 'probe', Buffer.from(`probe|${p}`));
        return Date.now() - since;
      } catch (e) {
        const err = e as { code?: string };
        // failed before its own deadline: an older send's timeout took it along
        if (err?.code === 'TIMEOUT' && Date.now() - at < own - 1000) {
          out.probeRetries++;
          continue;
        }
        out.probeFailures.push(`${p}: ${err?.code ?? String(err)}, ${await diagnose(producer, adminUrl, topic, p)}`);
        return undefined;
      }
    }
  };
  const took = await Promise.all(Array.from({ length: partitions }, (_, p) => once(p)));
  out.recoveryMs = took.some((t) => t === undefined) ? undefined : Math.max(...(took as number[]));
}

/** Tells a wedged client from a broker that does not serve: its producer list, and a fresh producer's try. */
async function diagnose(producer: Producer, adminUrl: string, topic: string, p: number): Promise<string> {
  const partition = `${topic}-partition-${p}`;
  const listed = await topicStats(adminUrl, partition).then(
    (st) => `the broker lists ${st.publishers.length} producer(s)`,
    (err: Error) => `no stats (${err.message.slice(0, 60)})`,
  );
  const fresh = new Producer<MessageId>({ url: producer.config.url, topics: [topic], sendTimeoutMs: producer.config.sendTimeoutMs }, {});
  try {
    await fresh.start();
    await fresh.produceSync(topic, p, 'probe', Buffer.from(`probe|${p}`));
    return `${listed}; a fresh producer got through`;
  } catch (err) {
    return `${listed}; a fresh producer failed too (${(err as { code?: string }).code ?? String(err)})`;
  } finally {
    await fresh.close().catch(() => undefined);
  }
}

/** A fault's outcome before anything was measured. */
export function newOutcome(kind: FaultOutcome['kind'], at: number): FaultOutcome {
  return { kind, at, downMs: 0, unloadErrors: 0, unloads: 0, recoveryMs: undefined, probeFailures: [], probeRetries: 0 };
}

/** Runs each fault when the workload reaches its point, then probes every partition. */
export async function inflict(
  faults: Fault[],
  broker: RestartableBroker,
  producer: Producer,
  topic: string,
  partitions: number,
  ledger: Ledger,
  log: (line: string) => void,
): Promise<FaultOutcome[]> {
  const outcomes: FaultOutcome[] = [];
  for (const f of faults) {
    await ledger.reached(f.at);
    const out = newOutcome(f.kind, ledger.handed);
    outcomes.push(out);
    const t0 = Date.now();
    if (f.kind === 'kill') {
      log(`  SIGKILL at ${out.at} handed over (${ledger.pending} unsettled)`);
      out.downMs = await broker.crashAndRestart();
      log(`  broker back after ${(out.downMs / 1000).toFixed(1)} s`);
    } else if (f.kind === 'freeze') {
      log(`  SIGSTOP at ${out.at} handed over for ${f.forMs / 1000} s`);
      broker.pause();
      await sleep(f.forMs);
      broker.resume();
      out.downMs = Date.now() - t0;
    } else {
      log(`  unloading ${partitions} partitions every ${f.everyMs} ms for ${f.forMs / 1000} s from ${out.at} handed over`);
      await unloadStorm(broker, topic, partitions, f, out);
      log(`  ${out.unloads} unloads (${out.unloadErrors} refused)`);
    }
    await probe(producer, broker.adminUrl, topic, partitions, Date.now(), out);
    const again = out.probeRetries ? ` (${out.probeRetries} sent again: an older send's timeout failed them first)` : '';
    log(`  probes: ${out.probeFailures.length ? `failed ${out.probeFailures.join(', ')}` : `all stored in ${out.recoveryMs} ms`}${again}`);
  }
  return outcomes;
}

import * as crypto from 'crypto';
import { Consumer } from '../lib';
import { createSubscription, partitionedStats } from '../harness/admin';
import { Ledger, parsePayload, REJECTED, RESOLVED } from './workload';

// Reads a chaos topic back from the earliest position and checks it against the ledger.

export interface Verdict {
  /** workload messages read back (with repeats) */
  read: number;
  /** entries the broker counts in a fresh subscription's backlog (one per batch when batched) */
  adminBacklog: number | undefined;
  /** resolved sends absent from the topic */
  lost: number;
  /** extra copies of a (key, seq) */
  duplicated: number;
  /** a key's message read after a later one of the same key */
  orderViolations: number;
  /** sends reported failed that are stored anyway */
  rejectedButStored: number;
  /** a reproducer: the first few of each kind, as key/seq */
  examples: Record<string, string[]>;
}

const note = (v: Verdict, kind: string, what: string) => {
  const list = (v.examples[kind] ??= []);
  if (list.length < 5) list.push(what);
};

/** Reads until `idleMs` pass without a message (or the deadline), then compares with the ledger. */
export async function verify(
  url: string,
  adminUrl: string,
  topic: string,
  run: string,
  keys: number,
  ledger: Ledger,
  o: { idleMs: number; deadlineMs: number },
): Promise<Verdict> {
  const subscription = `verify-${crypto.randomBytes(3).toString('hex')}`;
  await createSubscription(adminUrl, topic, subscription, 'earliest');
  const stats = await partitionedStats(adminUrl, topic, false).catch(() => undefined);
  const adminBacklog = stats?.subscriptions?.[subscription]?.msgBacklog;
  const seen = new Uint16Array(ledger.size);
  const maxSeq = new Int32Array(keys).fill(-1);
  const v: Verdict = { read: 0, adminBacklog, lost: 0, duplicated: 0, orderViolations: 0, rejectedButStored: 0, examples: {} };
  const consumer = new Consumer({ url, topics: [topic], subscription, subscriptionInitialPosition: 'earliest' }, {});
  await consumer.start();
  const deadline = Date.now() + o.deadlineMs;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void consumer.close(), Math.min(o.idleMs, Math.max(0, deadline - Date.now())));
  };
  arm();
  try {
    for await (const m of consumer) {
      arm();
      consumer.ack(m);
      const ks = parsePayload(run, m.value);
      if (!ks) continue; // a probe
      const [key, seq] = ks;
      const i = seq * keys + key;
      v.read++;
      if (seen[i]++ > 0) {
        v.duplicated++;
        note(v, 'duplicated', `${key}/${seq} (${m.partition}:${m.messageId.ledgerId}:${m.messageId.entryId})`);
      } else if (seq < maxSeq[key]) {
        v.orderViolations++;
        note(v, 'order', `${key}/${seq} after ${maxSeq[key]}`);
      }
      if (seq > maxSeq[key]) maxSeq[key] = seq;
    }
  } finally {
    clearTimeout(idle);
    await consumer.close();
  }
  for (let i = 0; i < ledger.size; i++) {
    if (ledger.state[i] === RESOLVED && seen[i] === 0) {
      v.lost++;
      note(v, 'lost', `${i % keys}/${Math.floor(i / keys)}`);
    } else if (ledger.state[i] === REJECTED && seen[i] > 0) v.rejectedButStored++;
  }
  return v;
}

import * as crypto from 'crypto';
import { Consumer, type MessageId } from '../lib';
import { createSubscription, partitionedStats } from '../tools/admin';
import { Ledger, parsePayload, REJECTED, RESOLVED } from './workload';

// Reads a chaos topic back from the earliest position and checks it against the ledger.

export interface Verdict {
  /** workload messages read back (with repeats) */
  read: number;
  /** other messages read back: the probes */
  others: number;
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

/** Counts what was read, in the order read, against what the ledger says became of each send. */
export class Tally {
  private readonly seen: Uint16Array;
  private readonly maxSeq: Int32Array;
  readonly v: Verdict = {
    read: 0,
    others: 0,
    adminBacklog: undefined,
    lost: 0,
    duplicated: 0,
    orderViolations: 0,
    rejectedButStored: 0,
    examples: {},
  };

  constructor(
    private readonly run: string,
    private readonly keys: number,
    private readonly ledger: Ledger,
  ) {
    this.seen = new Uint16Array(ledger.size);
    this.maxSeq = new Int32Array(keys).fill(-1);
  }

  private note(kind: string, what: string): void {
    const list = (this.v.examples[kind] ??= []);
    if (list.length < 5) list.push(what);
  }

  /** one message as read; `where` names its position for a reproducer */
  add(value: Buffer, where: string): void {
    const ks = parsePayload(this.run, value);
    if (!ks) {
      this.v.others++; // a probe
      return;
    }
    const [key, seq] = ks;
    const i = seq * this.keys + key;
    this.v.read++;
    if (this.seen[i]++ > 0) {
      this.v.duplicated++;
      this.note('duplicated', `${key}/${seq} (${where})`);
    } else if (seq < this.maxSeq[key]) {
      this.v.orderViolations++;
      this.note('order', `${key}/${seq} after ${this.maxSeq[key]} (${where})`);
    }
    if (seq > this.maxSeq[key]) this.maxSeq[key] = seq;
  }

  /** lost and rejected-but-stored, once everything was read */
  finish(): Verdict {
    for (let i = 0; i < this.ledger.size; i++) {
      if (this.ledger.state[i] === RESOLVED && this.seen[i] === 0) {
        this.v.lost++;
        this.note('lost', `${i % this.keys}/${Math.floor(i / this.keys)}`);
      } else if (this.ledger.state[i] === REJECTED && this.seen[i] > 0) this.v.rejectedButStored++;
    }
    return this.v;
  }
}

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
  const tally = new Tally(run, keys, ledger);
  tally.v.adminBacklog = stats?.subscriptions?.[subscription]?.msgBacklog;
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
      const id = m.messageId as MessageId;
      tally.add(m.value, `${m.partition}:${id.ledgerId}:${id.entryId}`);
    }
  } finally {
    clearTimeout(idle);
    await consumer.close();
  }
  return tally.finish();
}

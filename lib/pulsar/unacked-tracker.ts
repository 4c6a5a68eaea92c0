import type { MessageIdData } from '../../protocol/pulsar/proto';

/** What the tracker remembers of one entry handed to the app: the ids a redelivery names. */
export interface TrackedEntry {
  /** the entry (a chunked message's last chunk) */
  readonly entry: MessageIdData;
  /** every id to redeliver: the chunks of a chunked message, else the entry */
  readonly ids: MessageIdData[];
}

export function idKey(id: MessageIdData): string {
  return `${id.ledgerId}:${id.entryId}`;
}

/**
 * Entries handed to the app and not yet acknowledged, in time buckets of one tick each (the Java
 * client's UnAckedMessageTracker): every tick the oldest bucket expires, so an entry times out
 * between ackTimeoutMs and ackTimeoutMs plus one tick after it was handed over.
 */
export class UnackedTracker {
  private readonly buckets: Array<Map<string, TrackedEntry>> = [];
  /** key → the bucket holding it */
  private readonly where = new Map<string, Map<string, TrackedEntry>>();

  constructor(ackTimeoutMs: number, tickMs: number) {
    const blank = Math.ceil(ackTimeoutMs / tickMs);
    for (let i = 0; i < blank + 1; i++) this.buckets.push(new Map());
  }

  get size(): number {
    return this.where.size;
  }

  /** Starts the clock for an entry; one already tracked keeps its place. */
  add(e: TrackedEntry): void {
    const key = idKey(e.entry);
    if (this.where.has(key)) return;
    const newest = this.buckets[this.buckets.length - 1];
    newest.set(key, e);
    this.where.set(key, newest);
  }

  has(key: string): boolean {
    return this.where.has(key);
  }

  remove(key: string): void {
    const b = this.where.get(key);
    if (!b) return;
    b.delete(key);
    this.where.delete(key);
  }

  /** Forgets every entry at or before `id` (a cumulative acknowledgement). */
  removeUpTo(id: MessageIdData): void {
    for (const [key, b] of this.where) {
      const e = b.get(key)!.entry;
      if (e.ledgerId < id.ledgerId || (e.ledgerId === id.ledgerId && e.entryId <= id.entryId)) this.remove(key);
    }
  }

  clear(): void {
    for (const b of this.buckets) b.clear();
    this.where.clear();
  }

  /** One tick: the oldest bucket's entries expire (returned) and a fresh bucket starts. */
  tick(): TrackedEntry[] {
    const oldest = this.buckets.shift()!;
    const expired = [...oldest.values()];
    for (const key of oldest.keys()) this.where.delete(key);
    oldest.clear();
    this.buckets.push(oldest);
    return expired;
  }
}

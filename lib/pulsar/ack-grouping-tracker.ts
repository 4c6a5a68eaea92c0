import type { MessageIdData } from '../../protocol/pulsar/proto';
import type { BatchAckState } from './received-message';

/** Writes one ACK command; answers false when there is no connection to write it on. */
export type AckWriter = (cumulative: boolean, ids: MessageIdData[]) => boolean;

export interface AckGroupingOptions {
  /** how long acknowledgements gather before one ACK carries them; 0 sends them at the end of the tick */
  groupTimeMs: number;
  /** a group this large is sent at once */
  maxGroupSize: number;
  /** acks already sent that are remembered, so a copy dispatched without them is known (0: none) */
  rememberSent?: number;
}

/** Partly acknowledged batches remembered across a redelivery; the oldest are forgotten past this. */
const MAX_PARTIAL_BATCHES = 10_000;

/**
 * Acknowledgements of one partition consumer, grouped and kept until a connection takes them
 * (the Java client's PersistentAcknowledgmentsGroupingTracker): acks made while reconnecting are
 * sent after the resubscribe, and a redelivered copy of a message whose ack is pending is known.
 */
export class AckGroupingTracker {
  /** ledger id → entry ids waiting to be sent */
  private readonly individual = new Map<number, Set<number>>();
  private individualCount = 0;
  /** the highest cumulative ack made; `cumulativeSent` says whether the broker has it */
  private cumulative?: MessageIdData;
  private cumulativeSent = true;
  private readonly partial = new Map<string, BatchAckState>();
  /** batches partly acknowledged since the last flush: sent with an ack set (batchIndexAckEnabled) */
  private readonly batchIndexes = new Map<string, { id: MessageIdData; batch: BatchAckState }>();
  private timer?: NodeJS.Timeout;
  private tickScheduled = false;
  private closed = false;
  /**
   * Entries whose ack went out: an ack written just before a connection closes can be lost with it
   * (the broker closed the consumer first), and the broker then dispatches the entry again.
   */
  private readonly sent: SentAcks;

  constructor(
    private readonly opts: AckGroupingOptions,
    private readonly write: AckWriter,
  ) {
    this.sent = new SentAcks(opts.rememberSent ?? 0);
  }

  addIndividual(ids: MessageIdData[]): void {
    if (this.closed) return;
    for (const id of ids) {
      let entries = this.individual.get(id.ledgerId);
      if (!entries) this.individual.set(id.ledgerId, (entries = new Set()));
      if (entries.has(id.entryId)) continue;
      entries.add(id.entryId);
      this.individualCount++;
    }
    this.schedule();
  }

  addCumulative(id: MessageIdData): void {
    if (this.closed) return;
    if (this.cumulative && compare(id, this.cumulative) <= 0) return;
    this.cumulative = { ledgerId: id.ledgerId, entryId: id.entryId };
    this.cumulativeSent = false;
    this.schedule();
  }

  /**
   * Whether this entry was acknowledged (pending, sent, or covered by a cumulative ack): a redelivered
   * copy to drop. A copy of an ack already sent means the broker lacks it, so it goes again.
   */
  isDuplicate(id: MessageIdData): boolean {
    if (this.cumulative && compare(id, this.cumulative) <= 0) {
      if (this.cumulativeSent && !this.closed) {
        this.cumulativeSent = false;
        this.schedule();
      }
      return true;
    }
    if (this.individualCount > 0 && this.individual.get(id.ledgerId)?.has(id.entryId) === true) return true;
    if (!this.sent.has(id)) return false;
    this.addIndividual([id]);
    return true;
  }

  get pending(): number {
    return this.individualCount + this.batchIndexes.size + (this.cumulativeSent ? 0 : 1);
  }

  /** Sends the batch's acknowledged indexes with the next flush, as an ack set of the indexes still unacknowledged. */
  addBatchIndex(id: MessageIdData, batch: BatchAckState): void {
    if (this.closed) return;
    this.batchIndexes.set(`${id.ledgerId}:${id.entryId}`, { id, batch });
    this.schedule();
  }

  /** Drops every pending acknowledgement and remembered batch (a seek moved the subscription). */
  clear(): void {
    this.sent.clear();
    this.individual.clear();
    this.individualCount = 0;
    this.batchIndexes.clear();
    this.partial.clear();
    this.cumulative = undefined;
    this.cumulativeSent = true;
  }

  /** The ack state of a batch entry: one remembered from an earlier copy of it, or a fresh one. */
  batchState(id: MessageIdData, size: number): BatchAckState {
    if (this.partial.size > 0) {
      const known = this.partial.get(`${id.ledgerId}:${id.entryId}`);
      if (known && known.size === size) return known;
    }
    return { size, acked: 0, ackedIndexes: new Set() };
  }

  /** Records one message of a batch as acknowledged; true when that completes the entry. */
  ackBatchIndex(id: MessageIdData, batch: BatchAckState, index: number): boolean {
    if (batch.ackedIndexes.has(index)) return false;
    batch.ackedIndexes.add(index);
    const key = `${id.ledgerId}:${id.entryId}`;
    if (++batch.acked < batch.size) {
      if (!this.partial.has(key)) {
        this.partial.set(key, batch);
        if (this.partial.size > MAX_PARTIAL_BATCHES) this.partial.delete(this.partial.keys().next().value as string);
      }
      return false;
    }
    this.partial.delete(key);
    // the whole entry is acknowledged now: no ack set for it
    this.batchIndexes.delete(key);
    return true;
  }

  private schedule(): void {
    if (this.individualCount >= this.opts.maxGroupSize) {
      this.flush();
      return;
    }
    if (this.opts.groupTimeMs === 0) {
      if (this.tickScheduled) return;
      this.tickScheduled = true;
      process.nextTick(() => {
        this.tickScheduled = false;
        this.flush();
      });
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.groupTimeMs);
  }

  /** Sends what is pending; without a connection it stays for the next flush. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.cumulative && !this.cumulativeSent && this.write(true, [this.cumulative])) this.cumulativeSent = true;
    if (this.individualCount === 0 && this.batchIndexes.size === 0) return;
    const ids: MessageIdData[] = [];
    for (const [ledgerId, entries] of this.individual) for (const entryId of entries) ids.push({ ledgerId, entryId });
    for (const { id, batch } of this.batchIndexes.values())
      ids.push({ ledgerId: id.ledgerId, entryId: id.entryId, ackSet: ackSetOf(batch) });
    if (!this.write(false, ids)) return;
    for (const [ledgerId, entries] of this.individual) for (const entryId of entries) this.sent.add(ledgerId, entryId);
    this.individual.clear();
    this.individualCount = 0;
    this.batchIndexes.clear();
  }

  /** Stops the timer; later acks are ignored. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.partial.clear();
    this.sent.clear();
  }
}

/** The last `capacity` entries acknowledged and sent; the oldest are forgotten first. */
class SentAcks {
  private readonly byLedger = new Map<number, Set<number>>();
  // a ring of (ledger, entry) pairs in insertion order, for forgetting the oldest
  private readonly ring: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Float64Array(capacity * 2);
  }

  has(id: MessageIdData): boolean {
    return this.size > 0 && this.byLedger.get(id.ledgerId)?.has(id.entryId) === true;
  }

  add(ledgerId: number, entryId: number): void {
    if (this.capacity === 0) return;
    let entries = this.byLedger.get(ledgerId);
    if (!entries) this.byLedger.set(ledgerId, (entries = new Set()));
    if (entries.has(entryId)) return;
    if (this.size === this.capacity) {
      const oldLedger = this.ring[this.next * 2];
      const old = this.byLedger.get(oldLedger);
      old?.delete(this.ring[this.next * 2 + 1]);
      if (old?.size === 0 && oldLedger !== ledgerId) this.byLedger.delete(oldLedger);
    } else this.size++;
    entries.add(entryId);
    this.ring[this.next * 2] = ledgerId;
    this.ring[this.next * 2 + 1] = entryId;
    this.next = (this.next + 1) % this.capacity;
  }

  clear(): void {
    this.byLedger.clear();
    this.size = 0;
    this.next = 0;
  }
}

function compare(a: MessageIdData, b: MessageIdData): number {
  return a.ledgerId !== b.ledgerId ? a.ledgerId - b.ledgerId : a.entryId - b.entryId;
}

/**
 * The batch's unacknowledged indexes as the broker's ack set: a bit per index, 64 to a word, as
 * Java's BitSet.toLongArray; words go as {low, high} halves so every bit survives the int64 encoding.
 */
export function ackSetOf(batch: BatchAckState): number[] {
  const words: Array<{ low: number; high: number }> = [];
  for (let i = 0; i < batch.size; i++) {
    if (batch.ackedIndexes.has(i)) continue;
    const w = i >> 6;
    while (words.length <= w) words.push({ low: 0, high: 0 });
    const bit = i & 63;
    if (bit < 32) words[w].low = (words[w].low | (1 << bit)) >>> 0;
    else words[w].high = (words[w].high | (1 << (bit - 32))) >>> 0;
  }
  return words as unknown as number[];
}

/** Whether bit `i` is set in an ack set the broker sent (its words decode as exact BigInts). */
export function ackSetHas(words: readonly (number | bigint)[], i: number): boolean {
  const w = words[i >> 6];
  if (w === undefined || (typeof w === 'number' && !Number.isInteger(w))) return false;
  return ((BigInt.asUintN(64, BigInt(w)) >> BigInt(i & 63)) & 1n) === 1n;
}

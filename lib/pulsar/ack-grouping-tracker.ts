import type { MessageIdData } from '../../protocol/pulsar/proto';
import type { BatchAckState } from './received-message';

/** Writes one ACK command; answers false when there is no connection to write it on. */
export type AckWriter = (cumulative: boolean, ids: MessageIdData[]) => boolean;

export interface AckGroupingOptions {
  /** how long acknowledgements gather before one ACK carries them; 0 sends them at the end of the tick */
  groupTimeMs: number;
  /** a group this large is sent at once */
  maxGroupSize: number;
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

  constructor(
    private readonly opts: AckGroupingOptions,
    private readonly write: AckWriter,
  ) {}

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

  /** Whether this entry's acknowledgement is pending or covered by a cumulative ack: a redelivered copy to drop. */
  isDuplicate(id: MessageIdData): boolean {
    if (this.cumulative && compare(id, this.cumulative) <= 0) return true;
    if (this.individualCount === 0) return false;
    return this.individual.get(id.ledgerId)?.has(id.entryId) === true;
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

/** Whether bit `i` is set in an ack set the broker sent (a word decodes as a JS number: exact up to 2^53). */
export function ackSetHas(words: readonly number[], i: number): boolean {
  const w = words[i >> 6];
  if (w === undefined || !Number.isInteger(w)) return false;
  return ((BigInt.asUintN(64, BigInt(w)) >> BigInt(i & 63)) & 1n) === 1n;
}

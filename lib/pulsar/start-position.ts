import type { MessageIdData } from '../../protocol/pulsar/proto';

/**
 * Where a non-durable subscription (a Reader's) starts: the broker is sent the entry and starts
 * there, and the client drops what comes before the id within it (the Java client's startMessageId
 * with resetIncludeHead). Without an id the broker starts at the initial position, or `rollbackFromMs`.
 */
export interface StartPosition {
  id?: MessageIdData;
  /** the message at `id` is read too */
  inclusive: boolean;
  /** epoch ms: start at the first message published at or after it (a seek by time) */
  rollbackFromMs?: number;
}

/** Whether a message at `entry` (and `batchIndex` inside a batch) lies before `start` and is to be dropped. */
export function beforeStart(start: StartPosition | undefined, entry: MessageIdData, batchIndex?: number): boolean {
  const s = start?.id;
  if (!s) return false;
  if (entry.ledgerId !== s.ledgerId) return entry.ledgerId < s.ledgerId;
  if (entry.entryId !== s.entryId) return entry.entryId < s.entryId;
  // the start entry itself: a lone message is read when inclusive, a batch's from the id's index
  if (batchIndex === undefined) return !start!.inclusive;
  const from = s.batchIndex ?? -1;
  return start!.inclusive ? batchIndex < from : batchIndex <= from;
}

/** Orders positions by ledger, entry, then batch index (none sorts first). */
export function comparePositions(a: MessageIdData, b: MessageIdData): number {
  return a.ledgerId - b.ledgerId || a.entryId - b.entryId || (a.batchIndex ?? -1) - (b.batchIndex ?? -1);
}

/** A uint64 id field the broker sent as -1 (nothing stored yet) decodes as 2^64-1: read it back as -1. */
export function signedId(n: number | undefined): number {
  return n === undefined || n > Number.MAX_SAFE_INTEGER ? -1 : n;
}

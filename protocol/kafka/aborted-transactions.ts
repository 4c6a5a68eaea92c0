import type { DecodedBatch } from './record-batch';

// read_committed (KIP-98): a fetch answers up to the last stable offset and lists the aborted
// transactions that overlap it (producer id and first offset). A transactional batch of a producer
// whose aborted transaction began at or before the batch's last offset is skipped, until that
// producer's ABORT marker (a control record whose key is version:int16 type:int16, type 0) ends it.

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** The control record type of an ABORT marker (1 is COMMIT). */
export const CONTROL_TYPE_ABORT = 0;

function isAbortMarker(b: DecodedBatch): boolean {
  const key = b.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === CONTROL_TYPE_ABORT;
}

/** The batches a read_committed consumer hands over: no control batches and none of an aborted transaction. */
export function committedBatches(batches: DecodedBatch[], aborted: readonly AbortedTransaction[] | null): DecodedBatch[] {
  const pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const abortedProducers = new Set<bigint>();
  const out: DecodedBatch[] = [];
  for (const b of batches) {
    if (b.isControl) {
      if (isAbortMarker(b)) abortedProducers.delete(b.producerId);
      continue;
    }
    if (b.isTransactional) {
      const last = b.baseOffset + BigInt(b.lastOffsetDelta);
      while (pending.length > 0 && pending[0].firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
      if (abortedProducers.has(b.producerId)) continue;
    }
    out.push(b);
  }
  return out;
}

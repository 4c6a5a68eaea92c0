import { decodeSingleMessageMetadata, encodeSingleMessageMetadata, SingleMessageMetadata } from './proto';

export interface BatchEntry {
  metadata: SingleMessageMetadata;
  payload: Uint8Array;
}

/** Batch body: for each message `[u32 size][SingleMessageMetadata][payload]`, concatenated. */
export function encodeBatch(entries: BatchEntry[]): Buffer {
  const metas = entries.map((e) => encodeSingleMessageMetadata(e.metadata));
  let size = 0;
  for (let i = 0; i < entries.length; i++) size += 4 + metas[i].length + entries[i].payload.length;
  const body = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < entries.length; i++) {
    body.writeUInt32BE(metas[i].length, o);
    body.set(metas[i], o + 4);
    o += 4 + metas[i].length;
    body.set(entries[i].payload, o);
    o += entries[i].payload.length;
  }
  return body;
}

/** Splits a (decompressed) batch body into its messages; payloads are views, not copies. */
export function decodeBatch(body: Uint8Array, count: number): BatchEntry[] {
  const out: BatchEntry[] = [];
  forEachBatchMessage(body, count, (metadata, payload) => void out.push({ metadata, payload }));
  return out;
}

/**
 * Visits a batch body's messages in order without collecting them (the consumer's hot path);
 * throws RangeError, before visiting any message, when the body is malformed.
 */
export function forEachBatchMessage(body: Uint8Array, count: number, visit: (metadata: SingleMessageMetadata, payload: Buffer, index: number) => void): void {
  const view = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // every message takes at least its 4-byte size: a hostile count must not drive an allocation
  if (!(count >= 0 && count <= view.length / 4)) throw new RangeError(`a batch of ${view.length} bytes cannot hold ${count} messages`);
  const metas: SingleMessageMetadata[] = new Array(count);
  const starts: number[] = new Array(count);
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 4 > view.length) throw new RangeError(`batch ends before message ${i} of ${count}`);
    const metaSize = view.readUInt32BE(o);
    if (o + 4 + metaSize > view.length) throw new RangeError(`message ${i}'s metadata overruns the batch`);
    const metadata = decodeSingleMessageMetadata(view.subarray(o + 4, o + 4 + metaSize));
    o += 4 + metaSize;
    const size = metadata.payloadSize;
    if (size < 0 || o + size > view.length) throw new RangeError(`message ${i}'s payload overruns the batch`);
    metas[i] = metadata;
    starts[i] = o;
    o += size;
  }
  for (let i = 0; i < count; i++) visit(metas[i], view.subarray(starts[i], starts[i] + metas[i].payloadSize), i);
}

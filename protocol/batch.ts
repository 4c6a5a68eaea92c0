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
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: BatchEntry[] = [];
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 4 > view.length) throw new RangeError(`batch ends before message ${i} of ${count}`);
    const metaSize = view.readUInt32BE(o);
    if (o + 4 + metaSize > view.length) throw new RangeError(`message ${i}'s metadata overruns the batch`);
    const metadata = decodeSingleMessageMetadata(view.subarray(o + 4, o + 4 + metaSize));
    o += 4 + metaSize;
    const size = metadata.payloadSize;
    if (size < 0 || o + size > view.length) throw new RangeError(`message ${i}'s payload overruns the batch`);
    out.push({ metadata, payload: view.subarray(o, o + size) });
    o += size;
  }
  return out;
}

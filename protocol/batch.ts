import { FrameError } from './frame-error';
import { encodeSingleMessageMetadata, SingleMessageMetadata } from './proto';
import { handEncodable, readSingleMetadata, singleMetadataSize, writeSingleMetadata } from './single-message-metadata';

export interface BatchEntry {
  metadata: SingleMessageMetadata;
  payload: Uint8Array;
}

/** Batch body: for each message `[u32 size][SingleMessageMetadata][payload]`, concatenated. */
export function encodeBatch(entries: BatchEntry[]): Buffer {
  // metadata the hand encoder cannot write (a negative or fractional number) goes through protobufjs
  const encoded = entries.map((e) => (handEncodable(e.metadata) ? undefined : encodeSingleMessageMetadata(e.metadata)));
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    size += 4 + (encoded[i]?.length ?? singleMetadataSize(e.metadata)) + e.payload.length;
  }
  const body = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const pre = encoded[i];
    if (pre) {
      body.writeUInt32BE(pre.length, o);
      body.set(pre, o + 4);
      o += 4 + pre.length;
    } else {
      const end = writeSingleMetadata(body, o + 4, e.metadata);
      body.writeUInt32BE(end - o - 4, o);
      o = end;
    }
    body.set(e.payload, o);
    o += e.payload.length;
  }
  return body;
}

/** Splits a (decompressed) batch body into its messages; payloads are views, not copies. Throws FrameError. */
export function decodeBatch(body: Uint8Array, count: number): BatchEntry[] {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: BatchEntry[] = [];
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 4 > view.length) throw new FrameError(`batch ends before message ${i} of ${count}`, 'malformed');
    const metaSize = view.readUInt32BE(o);
    if (o + 4 + metaSize > view.length) throw new FrameError(`message ${i}'s metadata overruns the batch`, 'malformed');
    const metadata = readSingleMetadata(view, o + 4, o + 4 + metaSize);
    o += 4 + metaSize;
    const size = metadata.payloadSize;
    if (size < 0 || o + size > view.length) throw new FrameError(`message ${i}'s payload overruns the batch`, 'malformed');
    out.push({ metadata, payload: view.subarray(o, o + size) });
    o += size;
  }
  return out;
}

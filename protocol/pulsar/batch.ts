import { FrameError } from './frame-error';
import { Scratch } from '../scratch';
import { encodeSingleMessageMetadata, SingleMessageMetadata } from './proto';
import { handEncodable, readSingleMetadata, singleMetadataSize, writeSingleMetadata } from './single-message-metadata';

export interface BatchEntry {
  metadata: SingleMessageMetadata;
  payload: Uint8Array;
}

/** What a batch needs of one outgoing message (the producer's own messages have this shape). */
export interface BatchMessage {
  payload: Uint8Array;
  partitionKey?: string;
  partitionKeyB64: boolean;
  orderingKey?: Uint8Array;
  properties?: SingleMessageMetadata['properties'];
  eventTime?: number;
  sequenceId: number;
  nullValue: boolean;
}

/** Batch body: for each message `[u32 size][SingleMessageMetadata][payload]`, concatenated. */
export function encodeBatch(entries: readonly BatchEntry[]): Buffer {
  return encodeBody(
    entries.length,
    (i) => entries[i].metadata,
    (i) => entries[i].payload,
    (size) => Buffer.allocUnsafe(size),
  );
}

// one metadata object refilled for every message, so a batch allocates none per message
const shared: SingleMessageMetadata = { payloadSize: 0 };

function metadataOf(m: BatchMessage): SingleMessageMetadata {
  const md = shared;
  md.payloadSize = m.payload.length;
  md.partitionKey = m.partitionKey;
  md.partitionKeyB64Encoded = m.partitionKeyB64 || undefined;
  md.orderingKey = m.orderingKey;
  md.properties = m.properties;
  md.eventTime = m.eventTime;
  md.sequenceId = m.sequenceId;
  md.nullValue = m.nullValue || undefined;
  return md;
}

// a body that is compressed at once is written here, not into a fresh buffer per batch
const bodies = new Scratch(8 << 20);

/**
 * Space for a batch body that is compressed at once and dropped: the next call reuses it, so the
 * caller must keep only the compressed copy.
 */
export function transientSpace(size: number): Buffer {
  return bodies.take(size);
}

/** The batch body of `msgs`, in space from `alloc` (an owned buffer, a pool's, or transientSpace). */
export function encodeBatchOf(msgs: readonly BatchMessage[], alloc: (size: number) => Buffer): Buffer {
  return encodeBody(
    msgs.length,
    (i) => metadataOf(msgs[i]),
    (i) => msgs[i].payload,
    alloc,
  );
}

function encodeBody(
  count: number,
  metadataAt: (i: number) => SingleMessageMetadata,
  payloadAt: (i: number) => Uint8Array,
  alloc: (size: number) => Buffer,
): Buffer {
  // metadata the hand encoder cannot write (a negative or fractional number) goes through protobufjs
  let encoded: Array<Uint8Array | undefined> | undefined;
  let size = 0;
  for (let i = 0; i < count; i++) {
    const md = metadataAt(i);
    let n: number;
    if (handEncodable(md)) n = singleMetadataSize(md);
    else {
      const pre = encodeSingleMessageMetadata(md);
      (encoded ??= [])[i] = pre;
      n = pre.length;
    }
    size += 4 + n + payloadAt(i).length;
  }
  const body = alloc(size);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const pre = encoded?.[i];
    if (pre) {
      body.writeUInt32BE(pre.length, o);
      body.set(pre, o + 4);
      o += 4 + pre.length;
    } else {
      const end = writeSingleMetadata(body, o + 4, metadataAt(i));
      body.writeUInt32BE(end - o - 4, o);
      o = end;
    }
    const payload = payloadAt(i);
    body.set(payload, o);
    o += payload.length;
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

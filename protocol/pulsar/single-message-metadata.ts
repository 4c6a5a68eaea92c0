import { FrameError } from './frame-error';
import type { SingleMessageMetadata } from './proto';
import {
  delimited,
  isInt32Varint,
  isVarint,
  keyValueSize,
  utf8Length,
  varintSize,
  writeBool,
  writeString,
  writeKeyValues,
  writeVarint,
} from './protobuf-writer';

// SingleMessageMetadata written by hand, straight into the batch body: one precedes every message
// of a batch. Fields, in the order protobufjs writes them: properties = 1 (KeyValue: key = 1,
// value = 2), partition_key = 2, payload_size = 3, compacted_out = 4, event_time = 5,
// partition_key_b64_encoded = 6, ordering_key = 7, sequence_id = 8, null_value = 9, null_partition_key = 10.

/** Whether the hand encoder can write md (non-negative integers, payload_size an int32); else protobufjs does. */
export function handEncodable(md: SingleMessageMetadata): boolean {
  return (
    isInt32Varint(md.payloadSize) && (md.eventTime == null || isVarint(md.eventTime)) && (md.sequenceId == null || isVarint(md.sequenceId))
  );
}

/** Encoded size of md. */
export function singleMetadataSize(md: SingleMessageMetadata): number {
  let n = 0;
  if (md.properties) for (const p of md.properties) n += delimited(keyValueSize(p.key, p.value));
  if (md.partitionKey != null) n += delimited(utf8Length(md.partitionKey));
  n += 1 + varintSize(md.payloadSize);
  if (md.compactedOut != null) n += 2;
  if (md.eventTime != null) n += 1 + varintSize(md.eventTime);
  if (md.partitionKeyB64Encoded != null) n += 2;
  if (md.orderingKey != null) n += delimited(md.orderingKey.length);
  if (md.sequenceId != null) n += 1 + varintSize(md.sequenceId);
  if (md.nullValue != null) n += 2;
  if (md.nullPartitionKey != null) n += 2;
  return n;
}

/** Writes md at o, byte for byte as protobufjs would (strings as Buffer encodes them); returns the next offset. */
export function writeSingleMetadata(buf: Buffer, o: number, md: SingleMessageMetadata): number {
  if (md.properties) o = writeKeyValues(buf, o, 0x0a, md.properties);
  if (md.partitionKey != null) o = writeString(buf, o, 0x12, md.partitionKey);
  buf[o++] = 0x18;
  o = writeVarint(buf, o, md.payloadSize);
  if (md.compactedOut != null) o = writeBool(buf, o, 0x20, md.compactedOut);
  if (md.eventTime != null) {
    buf[o++] = 0x28;
    o = writeVarint(buf, o, md.eventTime);
  }
  if (md.partitionKeyB64Encoded != null) o = writeBool(buf, o, 0x30, md.partitionKeyB64Encoded);
  if (md.orderingKey != null) {
    buf[o++] = 0x3a;
    o = writeVarint(buf, o, md.orderingKey.length);
    buf.set(md.orderingKey, o);
    o += md.orderingKey.length;
  }
  if (md.sequenceId != null) {
    buf[o++] = 0x40;
    o = writeVarint(buf, o, md.sequenceId);
  }
  if (md.nullValue != null) o = writeBool(buf, o, 0x48, md.nullValue);
  if (md.nullPartitionKey != null) o = writeBool(buf, o, 0x50, md.nullPartitionKey);
  return o;
}

// Reading: a cursor over one metadata's bytes, so decoding allocates only the result and its values.
let rb: Buffer = Buffer.alloc(0);
let ro = 0;
// the low 32 bits of the last varint read, which is what protobufjs takes for int32 and bool fields
let low = 0;

function fail(what: string): never {
  throw new FrameError(`single message metadata: ${what}`, 'malformed');
}

// a varint as protobufjs reads a uint64 into a number: low 32 bits + high 32 bits * 2^32
function readVarint(end: number): number {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (ro >= end) fail('truncated varint');
    const b = rb[ro++];
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    if (b < 0x80) {
      low = lo;
      return (lo >>> 0) + (hi >>> 0) * 0x100000000;
    }
  }
  return fail('varint longer than 10 bytes');
}

function readLength(end: number): number {
  const n = readVarint(end);
  if (n > end - ro) fail('a field overruns the metadata');
  return n;
}

function readInt32(end: number): number {
  readVarint(end);
  return low | 0;
}

function readBool(end: number): boolean {
  readVarint(end);
  return low !== 0;
}

function readString(end: number): string {
  const n = readLength(end);
  const start = ro;
  ro += n;
  // a short ASCII string (the usual key) is cheaper built here than through a native call
  if (n <= 16) {
    let s = '';
    for (let i = start; i < ro; i++) {
      const c = rb[i];
      if (c >= 0x80) return rb.toString('utf8', start, ro);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return rb.toString('utf8', start, ro);
}

function skip(wireType: number, end: number): void {
  if (wireType === 0) readVarint(end);
  else if (wireType === 1) ro += 8;
  else if (wireType === 2) {
    const n = readLength(end);
    ro += n;
  } else if (wireType === 5) ro += 4;
  else fail(`wire type ${wireType} cannot be skipped`);
  if (ro > end) fail('a field overruns the metadata');
}

function readKeyValue(end: number): { key: string; value: string } {
  const n = readLength(end);
  const stop = ro + n;
  // absent fields read as protobufjs's defaults
  let key = '';
  let value = '';
  while (ro < stop) {
    const tag = readVarint(stop);
    if (tag === 0x0a) key = readString(stop);
    else if (tag === 0x12) value = readString(stop);
    else skip(tag & 7, stop);
  }
  return { key, value };
}

/**
 * Decodes buf[start, end) as protobufjs would for the fields a reader looks at: fields present on the
 * wire are own properties (payloadSize 0 when absent), properties is always an array, bytes are views.
 */
export function readSingleMetadata(buf: Buffer, start: number, end: number): SingleMessageMetadata {
  rb = buf;
  ro = start;
  const md: SingleMessageMetadata = { properties: [], payloadSize: 0 };
  while (ro < end) {
    const tag = readVarint(end);
    switch (tag) {
      case 0x0a:
        md.properties!.push(readKeyValue(end));
        break;
      case 0x12:
        md.partitionKey = readString(end);
        break;
      case 0x18:
        md.payloadSize = readInt32(end);
        break;
      case 0x20:
        md.compactedOut = readBool(end);
        break;
      case 0x28:
        md.eventTime = readVarint(end);
        break;
      case 0x30:
        md.partitionKeyB64Encoded = readBool(end);
        break;
      case 0x3a: {
        const n = readLength(end);
        md.orderingKey = buf.subarray(ro, ro + n);
        ro += n;
        break;
      }
      case 0x40:
        md.sequenceId = readVarint(end);
        break;
      case 0x48:
        md.nullValue = readBool(end);
        break;
      case 0x50:
        md.nullPartitionKey = readBool(end);
        break;
      default:
        skip(tag & 7, end);
    }
  }
  rb = EMPTY;
  return md;
}

const EMPTY = Buffer.alloc(0);

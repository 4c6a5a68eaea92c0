import type { SingleMessageMetadata } from './proto';
import { isInt32Varint, isVarint, utf8Length, varintSize, writeUtf8, writeVarint } from './protobuf-writer';

// SingleMessageMetadata written by hand, straight into the batch body: one precedes every message
// of a batch. Fields, in the order protobufjs writes them: properties = 1 (KeyValue: key = 1,
// value = 2), partition_key = 2, payload_size = 3, compacted_out = 4, event_time = 5,
// partition_key_b64_encoded = 6, ordering_key = 7, sequence_id = 8, null_value = 9, null_partition_key = 10.

/** Whether the hand encoder can write md (non-negative integers, payload_size an int32); else protobufjs does. */
export function handEncodable(md: SingleMessageMetadata): boolean {
  return isInt32Varint(md.payloadSize) && (md.eventTime == null || isVarint(md.eventTime)) && (md.sequenceId == null || isVarint(md.sequenceId));
}

function keyValueSize(key: string | undefined, value: string | undefined): number {
  let n = 0;
  if (key != null) {
    const k = utf8Length(key);
    n += 1 + varintSize(k) + k;
  }
  if (value != null) {
    const v = utf8Length(value);
    n += 1 + varintSize(v) + v;
  }
  return n;
}

function delimited(length: number): number {
  return 1 + varintSize(length) + length;
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

function writeString(buf: Buffer, o: number, tag: number, s: string): number {
  const length = utf8Length(s);
  buf[o++] = tag;
  o = writeVarint(buf, o, length);
  return writeUtf8(buf, o, s, length);
}

function writeBool(buf: Buffer, o: number, tag: number, b: boolean): number {
  buf[o++] = tag;
  buf[o++] = b ? 1 : 0;
  return o;
}

/** Writes md at o, byte for byte as protobufjs would (strings as Buffer encodes them); returns the next offset. */
export function writeSingleMetadata(buf: Buffer, o: number, md: SingleMessageMetadata): number {
  if (md.properties) {
    for (const p of md.properties) {
      buf[o++] = 0x0a;
      o = writeVarint(buf, o, keyValueSize(p.key, p.value));
      if (p.key != null) o = writeString(buf, o, 0x0a, p.key);
      if (p.value != null) o = writeString(buf, o, 0x12, p.value);
    }
  }
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

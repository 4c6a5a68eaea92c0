import type { MessageMetadata } from './wire-types';
import * as pw from './protobuf-writer';

// MessageMetadata written by hand: every SEND carries one, and protobufjs would build a Writer
// and its operation list for it each time. Fields in number order, as protobufjs writes them;
// numbers from 16 on take a two-byte tag (the second byte 0x01).

const INT32_FIELDS = ['compression', 'numMessagesInBatch', 'markerType', 'numChunksFromMsg', 'totalChunkMsgSize', 'chunkId'] as const;
const UINT64_FIELDS = ['eventTime', 'deliverAtTime', 'highestSequenceId'] as const;

/** Whether the hand encoder can write md: every number a non-negative integer of its field's range. */
export function metadataHandEncodable(md: MessageMetadata): boolean {
  if (typeof md.producerName !== 'string' || !pw.isVarint(md.sequenceId) || !pw.isVarint(md.publishTime)) return false;
  for (const f of INT32_FIELDS) if (md[f] != null && !pw.isInt32Varint(md[f])) return false;
  for (const f of UINT64_FIELDS) if (md[f] != null && !pw.isVarint(md[f])) return false;
  return md.uncompressedSize == null || (pw.isVarint(md.uncompressedSize) && md.uncompressedSize <= 0xffffffff);
}

const varintField = (n: number | null | undefined, tagBytes: number): number => (n == null ? 0 : tagBytes + pw.varintSize(n));
const boolField = (b: boolean | null | undefined, tagBytes: number): number => (b == null ? 0 : tagBytes + 1);

/** Encoded size of md (when metadataHandEncodable). */
export function messageMetadataSize(md: MessageMetadata): number {
  let n = pw.delimited(pw.utf8Length(md.producerName)) + 1 + pw.varintSize(md.sequenceId) + 1 + pw.varintSize(md.publishTime);
  if (md.properties) for (const p of md.properties) n += pw.delimited(pw.keyValueSize(p.key, p.value));
  if (md.replicatedFrom != null) n += pw.delimited(pw.utf8Length(md.replicatedFrom));
  if (md.partitionKey != null) n += pw.delimited(pw.utf8Length(md.partitionKey));
  if (md.replicateTo) for (const r of md.replicateTo) n += pw.delimited(pw.utf8Length(r));
  n += varintField(md.compression, 1) + varintField(md.uncompressedSize, 1) + varintField(md.numMessagesInBatch, 1);
  n += varintField(md.eventTime, 1);
  if (md.schemaVersion != null) n += 1 + pw.delimited(md.schemaVersion.length);
  n += boolField(md.partitionKeyB64Encoded, 2);
  if (md.orderingKey != null) n += 1 + pw.delimited(md.orderingKey.length);
  n += varintField(md.deliverAtTime, 2) + varintField(md.markerType, 2) + varintField(md.highestSequenceId, 2);
  n += boolField(md.nullValue, 2);
  if (md.uuid != null) n += 1 + pw.delimited(pw.utf8Length(md.uuid));
  n += varintField(md.numChunksFromMsg, 2) + varintField(md.totalChunkMsgSize, 2) + varintField(md.chunkId, 2);
  return n + boolField(md.nullPartitionKey, 2);
}

function writeTagged(buf: Buffer, o: number, tag: number, n: number | null | undefined): number {
  if (n == null) return o;
  buf[o++] = tag;
  if (tag >= 0x80) buf[o++] = 0x01;
  return pw.writeVarint(buf, o, n);
}

function writeBytes(buf: Buffer, o: number, tag: number, b: Uint8Array): number {
  buf[o++] = tag;
  buf[o++] = 0x01;
  o = pw.writeVarint(buf, o, b.length);
  buf.set(b, o);
  return o + b.length;
}

function writeLongTagBool(buf: Buffer, o: number, tag: number, b: boolean | null | undefined): number {
  if (b == null) return o;
  buf[o++] = tag;
  return pw.writeBool(buf, o, 0x01, b);
}

/** Writes md at o, byte for byte as protobufjs would; returns the next offset. */
export function writeMessageMetadata(buf: Buffer, o: number, md: MessageMetadata): number {
  o = pw.writeString(buf, o, 0x0a, md.producerName);
  o = writeTagged(buf, o, 0x10, md.sequenceId);
  o = writeTagged(buf, o, 0x18, md.publishTime);
  if (md.properties) o = pw.writeKeyValues(buf, o, 0x22, md.properties);
  if (md.replicatedFrom != null) o = pw.writeString(buf, o, 0x2a, md.replicatedFrom);
  if (md.partitionKey != null) o = pw.writeString(buf, o, 0x32, md.partitionKey);
  if (md.replicateTo) for (const r of md.replicateTo) o = pw.writeString(buf, o, 0x3a, r);
  o = writeTagged(buf, o, 0x40, md.compression);
  o = writeTagged(buf, o, 0x48, md.uncompressedSize);
  o = writeTagged(buf, o, 0x58, md.numMessagesInBatch);
  o = writeTagged(buf, o, 0x60, md.eventTime);
  if (md.schemaVersion != null) o = writeBytes(buf, o, 0x82, md.schemaVersion);
  o = writeLongTagBool(buf, o, 0x88, md.partitionKeyB64Encoded);
  if (md.orderingKey != null) o = writeBytes(buf, o, 0x92, md.orderingKey);
  o = writeTagged(buf, o, 0x98, md.deliverAtTime);
  o = writeTagged(buf, o, 0xa0, md.markerType);
  o = writeTagged(buf, o, 0xc0, md.highestSequenceId);
  o = writeLongTagBool(buf, o, 0xc8, md.nullValue);
  if (md.uuid != null) {
    buf[o++] = 0xd2;
    o = pw.writeString(buf, o, 0x01, md.uuid);
  }
  o = writeTagged(buf, o, 0xd8, md.numChunksFromMsg);
  o = writeTagged(buf, o, 0xe0, md.totalChunkMsgSize);
  o = writeTagged(buf, o, 0xe8, md.chunkId);
  return writeLongTagBool(buf, o, 0xf0, md.nullPartitionKey);
}

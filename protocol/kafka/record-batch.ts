import { crc32c } from '../crc32c';
import { COMPRESSION_ATTRIBUTE, compressionOfAttribute, type KafkaCodec, type KafkaCompression } from './compression';
import { KafkaProtocolError } from './errors';
import { Reader } from './reader';
import { Writer } from './writer';

// Record batch, magic 2 (the only format Kafka 4 writes):
//   BaseOffset:int64 BatchLength:int32 PartitionLeaderEpoch:int32 Magic:int8(2) CRC:uint32
//   Attributes:int16 LastOffsetDelta:int32 BaseTimestamp:int64 MaxTimestamp:int64
//   ProducerId:int64 ProducerEpoch:int16 BaseSequence:int32 RecordCount:int32 Records (compressed as a whole)
// BatchLength counts from PartitionLeaderEpoch to the end; the CRC-32C covers Attributes to the end.
// Record:
//   Length:varint Attributes:int8 TimestampDelta:varlong OffsetDelta:varint
//   KeyLength:varint Key ValueLength:varint Value HeaderCount:varint
//   { HeaderKeyLength:varint HeaderKey HeaderValueLength:varint HeaderValue }   (-1 lengths for null)

const MAGIC = 2;
// BaseOffset and BatchLength, which sit outside BatchLength's count
const LOG_OVERHEAD = 12;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const RECORDS_AT = 61;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

export interface RecordInput {
  /** a string is written as its UTF-8 bytes (no Buffer made for it) */
  key: Uint8Array | string | null;
  value: Uint8Array | null;
  headers?: Array<[string, Uint8Array | null]>;
  /** Create time, ms since the epoch. */
  timestamp: number;
}

export interface RecordBatchInput {
  records: RecordInput[];
  compression: KafkaCompression;
  /** -1 with epoch -1 and sequence -1 when the producer is not idempotent. */
  producerId: bigint | number;
  producerEpoch: number;
  baseSequence: number;
  transactional?: boolean;
}

export interface DecodedRecord {
  /** baseOffset + offsetDelta. */
  offset: bigint;
  timestamp: number;
  /** Views of the fetched (or decompressed) bytes, not copies. */
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface DecodedBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  compression: KafkaCompression;
  /** 'logAppend' when the broker stamped the batch: then every record's timestamp is maxTimestamp. */
  timestampType: 'create' | 'logAppend';
  isTransactional: boolean;
  /** A transaction marker (commit/abort), not user data. */
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: DecodedRecord[];
}

function sizeOfUvarint(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

const sizeOfVarint = (n: number): number => sizeOfUvarint(((n << 1) ^ (n >> 31)) >>> 0);
// timestamp deltas within ±2^52 ms, which any real clock gives
const sizeOfVarlong = (n: number): number => sizeOfUvarint(n >= 0 ? n * 2 : -n * 2 - 1);
const sizeOfBytes = (b: Uint8Array | null): number => (b === null ? 1 : sizeOfVarint(b.length) + b.length);
const byteLength = (b: Uint8Array | string): number => (typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length);

function writeVarBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) w.varint(-1);
  else w.varint(b.length).raw(b);
}

// Indexed loops and no per-record arrays: a linger-0 producer encodes every record of every small batch here.
function writeRecords(w: Writer, records: RecordInput[], baseTimestamp: number): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const delta = r.timestamp - baseTimestamp;
    const key = r.key;
    const keyLength = key === null ? -1 : byteLength(key);
    const headers = r.headers;
    const headerCount = headers ? headers.length : 0;
    let size = 1 + sizeOfVarlong(delta) + sizeOfVarint(i) + sizeOfVarint(keyLength) + (keyLength > 0 ? keyLength : 0);
    size += sizeOfBytes(r.value) + sizeOfVarint(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const n = Buffer.byteLength(headers![h][0], 'utf8');
      size += sizeOfVarint(n) + n + sizeOfBytes(headers![h][1]);
    }
    w.varint(size).int8(0).varlong(delta).varint(i);
    if (typeof key === 'string') w.varintString(key, keyLength);
    else writeVarBytes(w, key);
    writeVarBytes(w, r.value);
    w.varint(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const k = headers![h][0];
      w.varintString(k, Buffer.byteLength(k, 'utf8'));
      writeVarBytes(w, headers![h][1]);
    }
  }
}

// Fixed fields of one record at their widest: length, attributes, timestamp and offset deltas, key,
// value and header-count lengths.
const RECORD_OVERHEAD_MAX = 5 + 1 + 10 + 5 + 5 + 5 + 5;

/** At least the bytes writeRecords takes, so a batch is written into one buffer instead of growing by copies. */
function recordsBound(records: RecordInput[]): number {
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    // a UTF-16 code unit takes at most 3 UTF-8 bytes
    n +=
      RECORD_OVERHEAD_MAX +
      (r.key === null ? 0 : typeof r.key === 'string' ? 3 * r.key.length : r.key.length) +
      (r.value ? r.value.length : 0);
    if (r.headers) for (const [k, v] of r.headers) n += 10 + 3 * k.length + (v ? v.length : 0);
  }
  return n;
}

/**
 * One magic-2 record batch, base offset 0 (the broker assigns offsets), ready for a Produce request.
 * `take` gives its buffer (a pool's); without compression the records are written straight into it.
 */
export function encodeRecordBatch(
  b: RecordBatchInput,
  codec?: KafkaCodec,
  take?: (size: number) => Buffer,
  give?: (b: Buffer) => void,
): Buffer {
  const { records } = b;
  if (records.length === 0) throw new KafkaProtocolError('a record batch needs at least one record');
  if (b.compression !== 'none' && !codec) throw new KafkaProtocolError(`${b.compression} needs its codec (loadKafkaCodec)`);
  const baseTimestamp = records[0].timestamp;
  let maxTimestamp = baseTimestamp;
  for (let i = 0; i < records.length; i++) {
    const t = records[i].timestamp;
    if (!Number.isSafeInteger(t)) throw new RangeError(`record timestamp ${t} is not an integer`);
    if (t > maxTimestamp) maxTimestamp = t;
  }
  const attributes = COMPRESSION_ATTRIBUTE[b.compression] | (b.transactional ? TRANSACTIONAL : 0);

  if (b.compression !== 'none') {
    const plain = new Writer(recordsBound(records), take);
    writeRecords(plain, records, baseTimestamp);
    const body = compressAfterHeader(codec!, plain.finish(), take ?? Buffer.allocUnsafe);
    give?.(plain.finish());
    // the header goes into the space the codec left before the compressed records
    writeHeader(new Writer(RECORDS_AT, () => body), b, attributes, baseTimestamp, maxTimestamp);
    body.writeInt32BE(body.length - LOG_OVERHEAD, LOG_OVERHEAD - 4);
    body.writeUInt32BE(crc32c(body, ATTRIBUTES_AT, body.length), CRC_AT);
    return body;
  }
  const w = new Writer(RECORDS_AT + recordsBound(records), take);
  writeHeader(w, b, attributes, baseTimestamp, maxTimestamp);
  writeRecords(w, records, baseTimestamp);
  w.patchInt32(LOG_OVERHEAD - 4, w.length - LOG_OVERHEAD);
  const out = w.finish();
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_AT, out.length), CRC_AT);
  return out;
}

// The batch's fields up to the records; BatchLength and CRC stay zero for the caller to fill.
function writeHeader(w: Writer, b: RecordBatchInput, attributes: number, baseTimestamp: number, maxTimestamp: number): void {
  w.int64(0).int32(0).int32(-1).int8(MAGIC).int32(0);
  w.int16(attributes)
    .int32(b.records.length - 1)
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(b.producerId)
    .int16(b.producerEpoch)
    .int32(b.baseSequence)
    .int32(b.records.length);
}

// A codec that can leave room writes its frame after the header's bytes; the others' frame is copied there once.
function compressAfterHeader(codec: KafkaCodec, plain: Buffer, take: (size: number) => Buffer): Buffer {
  if (codec.compressAfter) return codec.compressAfter(plain, RECORDS_AT, take);
  const frame = codec.compress(plain);
  const out = take(RECORDS_AT + frame.length);
  out.set(frame, RECORDS_AT);
  return out;
}

function readVarBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new KafkaProtocolError(`record field length ${n}`);
  return r.raw(n);
}

// a record without headers shares this one frozen list instead of an empty array of its own
const NO_HEADERS = Object.freeze([]) as unknown as Array<[string, Buffer | null]>;

// One pass over the records: keys, values and header values are views of `r`'s bytes, headers read only when present.
function readRecords(r: Reader, count: number, batch: DecodedBatch): void {
  const logAppend = batch.timestampType === 'logAppend';
  const out = batch.records;
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new KafkaProtocolError(`record of ${length} bytes with ${r.remaining} left`);
    const end = r.offset + length;
    // attributes: no bit is defined for records
    r.offset++;
    const timestampDelta = r.varlongn();
    const offsetDelta = r.varint();
    const key = readVarBytes(r);
    const value = readVarBytes(r);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > r.remaining) throw new KafkaProtocolError(`record header count ${headerCount}`);
    let headers = NO_HEADERS;
    if (headerCount > 0) {
      headers = new Array<[string, Buffer | null]>(headerCount);
      for (let h = 0; h < headerCount; h++) {
        const k = readVarBytes(r);
        if (k === null) throw new KafkaProtocolError('null record header key');
        headers[h] = [k.toString('utf8'), readVarBytes(r)];
      }
    }
    if (r.offset !== end) throw new KafkaProtocolError(`record says ${length} bytes, its fields take ${length + r.offset - end}`);
    out.push({
      offset: batch.baseOffset + BigInt(offsetDelta),
      timestamp: logAppend ? batch.maxTimestamp : batch.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
}

/**
 * Every batch in a Fetch response's records, each record with its absolute offset. A truncated last batch
 * (the broker cuts at the fetch size) is dropped; a CRC mismatch or a bad field throws KafkaProtocolError.
 */
export function decodeRecordBatches(buf: Uint8Array, codecs: (type: KafkaCompression) => KafkaCodec): DecodedBatch[] {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: DecodedBatch[] = [];
  let at = 0;
  while (b.length - at >= LOG_OVERHEAD) {
    const batchLength = b.readInt32BE(at + 8);
    const end = at + LOG_OVERHEAD + batchLength;
    if (batchLength < RECORDS_AT - LOG_OVERHEAD) throw new KafkaProtocolError(`record batch length ${batchLength} is too small`);
    if (end > b.length) break;
    const magic = b.readInt8(at + 16);
    if (magic !== MAGIC) throw new KafkaProtocolError(`record batch magic ${magic} is unsupported (only 2)`);
    const stored = b.readUInt32BE(at + CRC_AT);
    const computed = crc32c(b, at + ATTRIBUTES_AT, end);
    if (stored !== computed) {
      throw new KafkaProtocolError(
        `record batch at offset ${b.readBigInt64BE(at)}: CRC 0x${stored.toString(16)} != 0x${computed.toString(16)}`,
      );
    }
    const r = new Reader(b.subarray(at, end));
    const baseOffset = r.int64();
    r.int32();
    const partitionLeaderEpoch = r.int32();
    r.int8();
    r.uint32();
    const attributes = r.int16();
    const batch: DecodedBatch = {
      baseOffset,
      partitionLeaderEpoch,
      compression: compressionOfAttribute(attributes & COMPRESSION_MASK),
      timestampType: attributes & LOG_APPEND_TIME ? 'logAppend' : 'create',
      isTransactional: (attributes & TRANSACTIONAL) !== 0,
      isControl: (attributes & CONTROL) !== 0,
      lastOffsetDelta: r.int32(),
      baseTimestamp: r.int64n(),
      maxTimestamp: r.int64n(),
      producerId: r.int64(),
      producerEpoch: r.int16(),
      baseSequence: r.int32(),
      records: [],
    };
    const count = r.int32();
    if (count < 0) throw new KafkaProtocolError(`record count ${count}`);
    const section = r.raw(r.remaining);
    const records = new Reader(batch.compression === 'none' ? section : codecs(batch.compression).decompress(section));
    readRecords(records, count, batch);
    if (records.remaining !== 0) throw new KafkaProtocolError(`${records.remaining} bytes after the batch's ${count} records`);
    out.push(batch);
    at = end;
  }
  return out;
}

const PRODUCER_ID_AT = 43;
const PRODUCER_EPOCH_AT = 51;
const BASE_SEQUENCE_AT = 53;

/**
 * Writes a new producer id, epoch and base sequence into an encoded batch and its CRC, in place:
 * a batch numbered again after an epoch bump is not encoded (nor compressed) a second time.
 */
export function restampRecordBatch(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  if (batch.length < RECORDS_AT) throw new KafkaProtocolError(`a record batch of ${batch.length} bytes is too short to restamp`);
  batch.writeBigInt64BE(producerId, PRODUCER_ID_AT);
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_AT);
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_AT);
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_AT, batch.length), CRC_AT);
}

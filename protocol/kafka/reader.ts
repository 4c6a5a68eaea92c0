import { KafkaProtocolError } from './errors';

// Kafka's primitive types, read big-endian; every read checks the bytes are there first.

const UTF8 = new TextDecoder('utf-8');

/** Decodes Kafka primitives from `buf` starting at `offset`, which advances as fields are read. */
export class Reader {
  private readonly buf: Buffer;

  constructor(
    buf: Uint8Array,
    public offset = 0,
  ) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (offset < 0 || offset > this.buf.length) throw new KafkaProtocolError(`offset ${offset} is outside ${this.buf.length} bytes`);
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n > this.buf.length - at) {
      throw new KafkaProtocolError(`${what} needs ${n} bytes at offset ${at}, only ${this.buf.length - at} left`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'int64'));
  }

  /** An int64 as a number, for offsets and timestamps that stay below 2^53. */
  int64n(): number {
    const at = this.offset;
    const v = this.int64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new KafkaProtocolError(`int64 ${v} at offset ${at} is beyond 2^53`);
    }
    return Number(v);
  }

  /** An unsigned varint of at most five bytes (the Java reader's limit), up to 2^32 - 1. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.need(1, 'uvarint')];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw new KafkaProtocolError(`uvarint before offset ${this.offset} is longer than 32 bits`);
  }

  /** A zigzag int32. */
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }

  /** A zigzag int64 of at most ten bytes. */
  varlong(): bigint {
    let z = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.buf[this.need(1, 'varlong')];
      z |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        if (z >= 1n << 64n) break;
        return (z >> 1n) ^ -(z & 1n);
      }
    }
    throw new KafkaProtocolError(`varlong before offset ${this.offset} is longer than 64 bits`);
  }

  /** A zigzag varlong as a number; throws past 2^53 (record timestamp deltas are far smaller). */
  varlongn(): number {
    const at = this.offset;
    // up to seven bytes (49 bits) without a bigint: every timestamp delta a real producer writes
    let z = 0;
    for (let i = 0, scale = 1; i < 7 && at + i < this.buf.length; i++, scale *= 128) {
      const b = this.buf[at + i];
      z += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.offset = at + i + 1;
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
    }
    const v = this.varlong();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new KafkaProtocolError(`varlong ${v} at offset ${at} is beyond 2^53`);
    }
    return Number(v);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  private utf8(n: number, what: string): string {
    const at = this.need(n, what);
    return UTF8.decode(this.buf.subarray(at, at + n));
  }

  string(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError(`string length ${n} at offset ${this.offset - 2}`);
    return this.utf8(n, 'string');
  }

  compactString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.utf8(n - 1, 'compact string');
  }

  /** A view of the bytes, not a copy. */
  raw(n: number): Buffer {
    if (!Number.isInteger(n) || n < 0) throw new KafkaProtocolError(`byte count ${n}`);
    const at = this.need(n, 'bytes');
    return this.buf.subarray(at, at + n);
  }

  bytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError(`bytes length ${n} at offset ${this.offset - 4}`);
    return this.raw(n);
  }

  compactBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  // every element takes at least a byte, so a count past the bytes left is corrupt, and refused before any work
  private count(n: number, what: string): number {
    if (n > this.remaining) throw new KafkaProtocolError(`${what} of ${n} items with ${this.remaining} bytes left`);
    return n;
  }

  array<T>(each: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError(`array count ${n} at offset ${this.offset - 4}`);
    const out = new Array<T>(this.count(n, 'array'));
    for (let i = 0; i < n; i++) out[i] = each(this);
    return out;
  }

  compactArray<T>(each: (r: Reader) => T): T[] | null {
    const n = this.uvarint();
    if (n === 0) return null;
    const out = new Array<T>(this.count(n - 1, 'compact array'));
    for (let i = 0; i < n - 1; i++) out[i] = each(this);
    return out;
  }

  /** Skips a flexible struct's tagged fields (count, then tag, size, bytes each): we read no optional tags. */
  skipTaggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.raw(this.uvarint());
    }
  }

  uuid(): Buffer {
    return this.raw(16);
  }
}

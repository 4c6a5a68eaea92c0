// Kafka's primitive types (the protocol guide's "Protocol Primitive Types"), written big-endian into one growing buffer.

const INITIAL = 256;
// smaller pieces are cheaper to copy than to hand the socket as a separate buffer
const REF_MIN = 4096;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MASK = 2n ** 64n - 1n;

function toInt64(n: bigint | number): bigint {
  const v = typeof n === 'bigint' ? n : BigInt(n);
  if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`${v} is outside int64`);
  return v;
}

/** Encodes Kafka primitives; every method returns `this` so fields chain in wire order. */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** pieces before `buf`, in order: written bytes and buffers appended by reference (ref) */
  private parts?: Buffer[];
  private before = 0;

  /** `take` gives the first buffer (a pool's); growth beyond it allocates. */
  constructor(initialSize = INITIAL, take: (size: number) => Buffer = Buffer.allocUnsafe) {
    this.buf = take(Math.max(16, initialSize));
  }

  get length(): number {
    return this.before + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    // a large write (a record batch into a request) gets its size plus room for the fields after it, not the next power of two
    if (size < this.pos + n) size = this.pos + n + 1024;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(n: number): this {
    this.ensure(1);
    this.buf.writeInt8(n, this.pos);
    this.pos += 1;
    return this;
  }

  int16(n: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(n, this.pos);
    this.pos += 2;
    return this;
  }

  int32(n: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(n: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(n, this.pos);
    this.pos += 4;
    return this;
  }

  int64(n: bigint | number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(toInt64(n), this.pos);
    this.pos += 8;
    return this;
  }

  /** Seven bits a byte, low first, high bit set on all but the last (unsigned, up to 2^53 - 1). */
  uvarint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not an unsigned varint`);
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
    return this;
  }

  /** A zigzag int32: small negatives stay short. */
  varint(n: number): this {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`${n} is outside int32`);
    return this.uvarint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /** A zigzag int64 (up to ten bytes). */
  varlong(n: bigint | number): this {
    // the number path avoids BigInt for the common case; 2^52 keeps 2|n| exact
    if (typeof n === 'number' && Number.isSafeInteger(n) && Math.abs(n) < 2 ** 52) {
      return this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
    }
    const v = toInt64(n);
    let z = ((v << 1n) ^ (v >> 63n)) & UINT64_MASK;
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
    return this;
  }

  bool(b: boolean): this {
    return this.int8(b ? 1 : 0);
  }

  /** int16 byte length then UTF-8; -1 for null. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw new RangeError(`a string of ${n} bytes does not fit an int16 length`);
    this.int16(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }

  /** uvarint (byte length + 1) then UTF-8; 0 for null. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n + 1);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }

  /** varint UTF-8 byte length (the caller's `n`) then the UTF-8, as record fields carry text. */
  varintString(s: string, n: number): this {
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }

  /** int32 length then the bytes; -1 for null. */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }

  /** uvarint (length + 1) then the bytes; 0 for null. */
  compactBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).raw(b);
  }

  /** compactBytes, appending the bytes by reference (ref). */
  compactBytesRef(b: Buffer | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).ref(b);
  }

  /** Appends `b` without copying it (small ones are copied): it must stay unchanged until the parts are written. */
  ref(b: Buffer): this {
    if (b.length < REF_MIN) return this.raw(b);
    (this.parts ??= []).push(this.buf.subarray(0, this.pos), b);
    this.before += this.pos + b.length;
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** int32 count then each item; -1 for null. */
  array<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** uvarint (count + 1) then each item; 0 for null. */
  compactArray<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) each(this, item);
    return this;
  }

  /** The tagged-field section of a flexible struct with no tags set: a zero count. */
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  uuid(bytes16: Uint8Array): this {
    if (bytes16.length !== 16) throw new RangeError(`a uuid is 16 bytes, not ${bytes16.length}`);
    return this.raw(bytes16);
  }

  /** Leaves four bytes to fill later (a size or CRC known only once what follows is written); returns their position. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Fills a reserved int32; a uint32 such as a CRC is stored as the same four bytes. */
  patchInt32(at: number, value: number): this {
    if (at < 0 || at + 4 > this.length) throw new RangeError(`no reserved int32 at ${at}`);
    let start = 0;
    // reserved fields lie in written pieces, never in a referenced buffer
    for (const piece of [...(this.parts ?? []), this.buf]) {
      if (at + 4 <= start + piece.length) {
        piece.writeInt32BE(value | 0, at - start);
        return this;
      }
      start += piece.length;
    }
    throw new RangeError(`no reserved int32 at ${at}`);
  }

  /** The bytes written: a view of the writer's memory, so write nothing more afterwards. */
  finish(): Buffer {
    return this.parts ? Buffer.concat(this.finishParts()) : this.buf.subarray(0, this.pos);
  }

  /** The bytes written as pieces to write in order, referenced buffers among them, not copied. */
  finishParts(): Buffer[] {
    const last = this.buf.subarray(0, this.pos);
    return this.parts ? [...this.parts, last].filter((p) => p.length > 0) : [last];
  }
}

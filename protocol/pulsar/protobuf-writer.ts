// The few protobuf wire pieces the hot encoders write by hand (varints, length-delimited bytes),
// producing the bytes protobufjs would, without its per-call Writer and intermediate arrays.

/** Bytes of a varint holding a non-negative integer up to 2^53. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (n = Math.floor(n / 0x10000000); n > 0; n = Math.floor(n / 0x80)) size++;
  return size;
}

/** Writes a non-negative integer (up to 2^53) as a varint at o; returns the next offset. */
export function writeVarint(buf: Uint8Array, o: number, n: number): number {
  // above 31 bits the shifts would wrap: peel seven bits at a time by division
  while (n > 0x7fffffff) {
    buf[o++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  while (n >= 0x80) {
    buf[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[o++] = n;
  return o;
}

/** Whether n can be written by writeVarint (what the encoders check before taking the hand path). */
export function isVarint(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** The same for an int32 field, which protobufjs writes as a 32-bit signed value. */
export function isInt32Varint(n: unknown): n is number {
  return isVarint(n) && n <= 0x7fffffff;
}

/** UTF-8 length of s: counted in place for ASCII, by Buffer otherwise (lone surrogates become U+FFFD). */
export function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** Writes s, whose UTF-8 length is `length`, at o; returns the next offset. */
export function writeUtf8(buf: Buffer, o: number, s: string, length: number): number {
  // a short ASCII string is cheaper copied here than through a native call
  if (length === s.length && length < 64) {
    for (let i = 0; i < length; i++) buf[o + i] = s.charCodeAt(i);
  } else {
    buf.write(s, o, length, 'utf8');
  }
  return o + length;
}

/** Size of a KeyValue message's fields (key = 1, value = 2). */
export function keyValueSize(key: string | undefined, value: string | undefined): number {
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

/** Size of a one-byte tag, a length and `length` bytes. */
export function delimited(length: number): number {
  return 1 + varintSize(length) + length;
}

/** Writes a length-delimited string field after its one-byte tag. */
export function writeString(buf: Buffer, o: number, tag: number, s: string): number {
  const length = utf8Length(s);
  buf[o++] = tag;
  o = writeVarint(buf, o, length);
  return writeUtf8(buf, o, s, length);
}

/** Writes a bool field after its one-byte tag. */
export function writeBool(buf: Uint8Array, o: number, tag: number, b: boolean): number {
  buf[o++] = tag;
  buf[o++] = b ? 1 : 0;
  return o;
}

/** Writes each KeyValue as a length-delimited field with the one-byte `tag`; returns the next offset. */
export function writeKeyValues(buf: Buffer, o: number, tag: number, kvs: ReadonlyArray<{ key?: string; value?: string }>): number {
  for (const p of kvs) {
    buf[o++] = tag;
    o = writeVarint(buf, o, keyValueSize(p.key, p.value));
    if (p.key != null) o = writeString(buf, o, 0x0a, p.key);
    if (p.value != null) o = writeString(buf, o, 0x12, p.value);
  }
  return o;
}

import { Scratch } from '../scratch';
import { checkedDecode } from './checked-decode';
import { CompressionError } from './errors';
import { CompressionType, type Codec } from './codec';

// Block format (lz4 docs/lz4_Block_format.md): sequences of
// [token: literal length << 4 | match length - 4][length extension bytes][literals][offset u16le][match length extension bytes],
// the last sequence being literals only.
const MIN_MATCH = 4;
// decoders (the Java client's airlift, LZ4_decompress_safe) refuse a block whose last 5 bytes are not literals
const LAST_LITERALS = 5;
// ...or whose last match starts fewer than 12 bytes before the end
const MF_LIMIT = 12;
const MAX_OFFSET = 0xffff;
const HASH_LOG = 14;
// Knuth's multiplicative hash constant: spreads four bytes over the table's index bits
const HASH_PRIME = 0x9e3779b1 | 0;
// a length-extension byte adds at most 255 output bytes; nothing in a block expands more
const MAX_RATIO = 255;

// compression is synchronous, so one table and one scratch buffer serve every call;
// a Buffer like the decoder's output, so the byte copies they share see one kind of array
const table = new Int32Array(1 << HASH_LOG);
// reused output space for blocks up to 8 MiB; larger ones get their own
const blocks = new Scratch(8 << 20, 64 << 10);

// the bytes after a token's 15: as many 255s as fit, then the rest
function writeLengthExtension(dst: Uint8Array, o: number, n: number): number {
  for (; n >= 255; n -= 255) dst[o++] = 255;
  dst[o++] = n;
  return o;
}

// set() has a fixed cost that a short loop beats
function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  if (to - from > 32) dst.set(src.subarray(from, to), at);
  else for (let i = from; i < to; i++) dst[at++] = src[i];
}

// trailing zero bits of x, and 32 for 0, without a branch
function trailingZeros(x: number): number {
  return 32 - Math.clz32(~x & (x - 1));
}

// how far src[a..] and src[b..] (a > b) agree, stopping at limit; most matches end within these 8 bytes
function matchEnd(v: DataView, a: number, b: number, limit: number): number {
  if (a + 8 > limit) return tailEnd(v, a, b, limit);
  const low = trailingZeros(v.getInt32(a, true) ^ v.getInt32(b, true));
  const high = trailingZeros(v.getInt32(a + 4, true) ^ v.getInt32(b + 4, true));
  // the equal bits of both words, counting the second only when the first is all equal: no branch to mispredict
  const bits = low + (high & -(low >> 5));
  return bits < 64 ? a + (bits >> 3) : longMatchEnd(v, a + 8, b + 8, limit);
}

// long matches (runs, repeated messages) compare 16 bytes a step, kept out of line so short ones stay lean
function longMatchEnd(v: DataView, a: number, b: number, limit: number): number {
  while (
    a + 16 <= limit &&
    v.getInt32(a, true) === v.getInt32(b, true) &&
    v.getInt32(a + 4, true) === v.getInt32(b + 4, true) &&
    v.getInt32(a + 8, true) === v.getInt32(b + 8, true) &&
    v.getInt32(a + 12, true) === v.getInt32(b + 12, true)
  ) {
    a += 16;
    b += 16;
  }
  for (; a + 4 <= limit; a += 4, b += 4) {
    const bits = trailingZeros(v.getInt32(a, true) ^ v.getInt32(b, true));
    if (bits < 32) return a + (bits >> 3);
  }
  return tailEnd(v, a, b, limit);
}

// the last few bytes before limit, too few for a word
function tailEnd(v: DataView, a: number, b: number, limit: number): number {
  while (a < limit && v.getUint8(a) === v.getUint8(b)) {
    a++;
    b++;
  }
  return a;
}

// token, literal length extension, literals: returns the next free byte (the token is at o)
function writeLiterals(src: Uint8Array, from: number, to: number, dst: Uint8Array, o: number): number {
  const literals = to - from;
  if (literals >= 15) {
    dst[o++] = 0xf0;
    o = writeLengthExtension(dst, o, literals - 15);
  } else {
    dst[o++] = literals << 4;
  }
  copyBytes(src, from, to, dst, o);
  return o + literals;
}

/** Greedy LZ4 block of src into dst (at least src.length + src.length/255 + 16 bytes); returns its length. */
export function compressBlock(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  let anchor = 0;
  let o = 0;
  if (n > MF_LIMIT) {
    // DataViews read and write four bytes in one access, where indexing takes four
    const v = new DataView(src.buffer, src.byteOffset, n);
    const w = new DataView(dst.buffer, dst.byteOffset, dst.length);
    // a small input hashes into a small part of the table, so clearing it stays cheap
    const hashLog = Math.min(HASH_LOG, Math.max(8, 32 - Math.clz32(n)));
    const shift = 32 - hashLog;
    // a local name spares a context load on every probe
    const t = table;
    t.fill(0, 0, 1 << hashLog);
    const lastMatchStart = n - MF_LIMIT;
    const matchEndLimit = n - LAST_LITERALS;
    // position 0 is already what the zeroed table points at
    let p = 1;
    search: for (;;) {
      let ref: number;
      let misses = 64;
      for (;;) {
        if (p > lastMatchStart) break search;
        const seq = v.getInt32(p, true);
        const h = Math.imul(seq, HASH_PRIME) >>> shift;
        ref = t[h];
        t[h] = p;
        if (p - ref <= MAX_OFFSET && v.getInt32(ref, true) === seq) break;
        // step further the longer nothing matches, so incompressible input passes quickly
        p += misses++ >> 6;
      }
      while (p > anchor && ref > 0 && src[p - 1] === src[ref - 1]) {
        p--;
        ref--;
      }
      // the token is written once its match length is known: its literal half waits in `high`
      let token = o;
      let high;
      const literals = p - anchor;
      if (literals <= 8) {
        // a short run is copied as one or two words whatever its length: the bytes past it are overwritten next
        high = literals << 4;
        o++;
        w.setInt32(o, v.getInt32(anchor, true), true);
        if (literals > 4) w.setInt32(o + 4, v.getInt32(anchor + 4, true), true);
        o += literals;
      } else {
        o = writeLiterals(src, anchor, p, dst, o);
        high = dst[token];
      }
      // a match that ends where another begins is written with no literals between
      for (;;) {
        const end = matchEnd(v, p + MIN_MATCH, ref + MIN_MATCH, matchEndLimit);
        const offset = p - ref;
        w.setUint16(o, offset, true);
        o += 2;
        const matchLength = end - p - MIN_MATCH;
        if (matchLength >= 15) {
          dst[token] = high | 15;
          o = writeLengthExtension(dst, o, matchLength - 15);
        } else {
          dst[token] = high | matchLength;
        }
        anchor = p = end;
        if (p > lastMatchStart) break search;
        const seq = v.getInt32(p, true);
        const h = Math.imul(seq, HASH_PRIME) >>> shift;
        ref = t[h];
        t[h] = p;
        if (p - ref > MAX_OFFSET || v.getInt32(ref, true) !== seq) break;
        token = o++;
        high = 0;
      }
      p++;
    }
  }
  return writeLiterals(src, anchor, n, dst, o);
}

/** Decodes one LZ4 block into exactly `size` bytes, refusing anything that would read or write out of bounds. */
export function decompressBlock(src: Uint8Array, size: number): Uint8Array {
  const out = Buffer.allocUnsafe(size);
  const n = src.length;
  // four bytes a step through DataViews: short literals and matches are copied in whole words
  const r = new DataView(src.buffer, src.byteOffset, n);
  const w = new DataView(out.buffer, out.byteOffset, size);
  let i = 0;
  let o = 0;
  while (i < n) {
    const token = src[i++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b;
      do {
        if (i >= n) throw new CompressionError('LZ4', 'truncated literal length');
        b = src[i++];
        literals += b;
      } while (b === 255);
    }
    if (literals !== 0) {
      // whole words, the last one running past the literals (what lands there is overwritten by what follows);
      // a run that fits this way needs none of the checks below
      if (literals <= 64 && i + literals + 8 <= n && o + literals + 8 <= size) {
        w.setInt32(o, r.getInt32(i, true), true);
        w.setInt32(o + 4, r.getInt32(i + 4, true), true);
        for (let k = 8; k < literals; k += 4) w.setInt32(o + k, r.getInt32(i + k, true), true);
      } else {
        if (literals > n - i) throw new CompressionError('LZ4', 'literals run past the end of the payload');
        if (literals > size - o) throw new CompressionError('LZ4', `output exceeds the ${size} bytes the metadata promised`);
        copyBytes(src, i, i + literals, out, o);
      }
      i += literals;
      o += literals;
    }
    // the last sequence has literals only
    if (i === n) break;
    if (i + 2 > n) throw new CompressionError('LZ4', 'truncated match offset');
    const offset = r.getUint16(i, true);
    i += 2;
    if (offset === 0 || offset > o) throw new CompressionError('LZ4', `match offset ${offset} points before the start`);
    let length = token & 15;
    if (length === 15) {
      let b;
      do {
        if (i >= n) throw new CompressionError('LZ4', 'truncated match length');
        b = src[i++];
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    const from = o - offset;
    // word by word in order: with offset >= 4 each word read is complete before it is needed, so overlaps repeat right
    if (offset >= 4 && length <= 64 && o + length + 8 <= size) {
      // three words whatever the length, as most matches are 4 to 12 bytes: a loop exit there is a coin toss
      w.setInt32(o, w.getInt32(from, true), true);
      w.setInt32(o + 4, w.getInt32(from + 4, true), true);
      w.setInt32(o + 8, w.getInt32(from + 8, true), true);
      for (let k = 12; k < length; k += 4) w.setInt32(o + k, w.getInt32(from + k, true), true);
    } else {
      if (length > size - o) throw new CompressionError('LZ4', `output exceeds the ${size} bytes the metadata promised`);
      // long runs and long plain copies: native fill and copyWithin win once their fixed cost is spread
      if (offset === 1) out.fill(out[from], o, o + length);
      else if (offset >= length) out.copyWithin(o, from, from + length);
      else if (offset >= 4 && o + length + 8 <= size)
        for (let k = 0; k < length; k += 4) w.setInt32(o + k, w.getInt32(from + k, true), true);
      // overlapping copies of the last 2 or 3 bytes, and any at the very end, go byte by byte
      else for (let k = 0; k < length; k++) out[o + k] = out[from + k];
    }
    o += length;
  }
  return out.subarray(0, o);
}

/** LZ4 as Pulsar writes it: one raw block, no frame and no size prefix. */
export const lz4Codec: Codec = {
  type: CompressionType.LZ4,
  compress(data) {
    const bound = data.length + ((data.length / 255) | 0) + 16;
    const dst = blocks.take(bound);
    const n = compressBlock(data, dst);
    // copied out of reused space so the caller may keep it; a block of its own is copied only when mostly empty
    if (bound <= blocks.limit || n < bound / 2) return Buffer.from(dst.subarray(0, n));
    return dst.subarray(0, n);
  },
  decompress(data, size) {
    return checkedDecode('LZ4', data, size, MAX_RATIO, decompressBlock);
  },
};

import { createHash } from 'crypto';
import { keyBytes } from './key-bytes';
import { keyed } from './keyed';
import type { Key } from './types';

// MD5 written from RFC 1321 for short keys: node:crypto spends about a microsecond per call
// before it hashes a byte, while a key is usually a handful of bytes in a single block.

// above this many bytes node:crypto's native loop wins over the call overhead it saves
const NATIVE_FROM = 512;

// one 64-byte block as little-endian words, and the running state; hashing is synchronous, so one of each serves every call
const x = new Int32Array(16);
const state = new Int32Array(4);

// the four rounds of RFC 1321 section 3.4, unrolled; x and state are the module's
function transform(): void {
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  // each word is used four times: one load each
  const x0 = x[0];
  const x1 = x[1];
  const x2 = x[2];
  const x3 = x[3];
  const x4 = x[4];
  const x5 = x[5];
  const x6 = x[6];
  const x7 = x[7];
  const x8 = x[8];
  const x9 = x[9];
  const x10 = x[10];
  const x11 = x[11];
  const x12 = x[12];
  const x13 = x[13];
  const x14 = x[14];
  const x15 = x[15];
  a = (((b & c) | (~b & d)) + a + x0 + 0xd76aa478) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (((a & b) | (~a & c)) + d + x1 + 0xe8c7b756) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (((d & a) | (~d & b)) + c + x2 + 0x242070db) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (((c & d) | (~c & a)) + b + x3 + 0xc1bdceee) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (((b & c) | (~b & d)) + a + x4 + 0xf57c0faf) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (((a & b) | (~a & c)) + d + x5 + 0x4787c62a) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (((d & a) | (~d & b)) + c + x6 + 0xa8304613) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (((c & d) | (~c & a)) + b + x7 + 0xfd469501) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (((b & c) | (~b & d)) + a + x8 + 0x698098d8) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (((a & b) | (~a & c)) + d + x9 + 0x8b44f7af) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (((d & a) | (~d & b)) + c + x10 + 0xffff5bb1) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (((c & d) | (~c & a)) + b + x11 + 0x895cd7be) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (((b & c) | (~b & d)) + a + x12 + 0x6b901122) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (((a & b) | (~a & c)) + d + x13 + 0xfd987193) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (((d & a) | (~d & b)) + c + x14 + 0xa679438e) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (((c & d) | (~c & a)) + b + x15 + 0x49b40821) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (((b & d) | (c & ~d)) + a + x1 + 0xf61e2562) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (((a & c) | (b & ~c)) + d + x6 + 0xc040b340) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (((d & b) | (a & ~b)) + c + x11 + 0x265e5a51) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (((c & a) | (d & ~a)) + b + x0 + 0xe9b6c7aa) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (((b & d) | (c & ~d)) + a + x5 + 0xd62f105d) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (((a & c) | (b & ~c)) + d + x10 + 0x02441453) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (((d & b) | (a & ~b)) + c + x15 + 0xd8a1e681) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (((c & a) | (d & ~a)) + b + x4 + 0xe7d3fbc8) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (((b & d) | (c & ~d)) + a + x9 + 0x21e1cde6) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (((a & c) | (b & ~c)) + d + x14 + 0xc33707d6) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (((d & b) | (a & ~b)) + c + x3 + 0xf4d50d87) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (((c & a) | (d & ~a)) + b + x8 + 0x455a14ed) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (((b & d) | (c & ~d)) + a + x13 + 0xa9e3e905) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (((a & c) | (b & ~c)) + d + x2 + 0xfcefa3f8) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (((d & b) | (a & ~b)) + c + x7 + 0x676f02d9) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (((c & a) | (d & ~a)) + b + x12 + 0x8d2a4c8a) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = ((b ^ c ^ d) + a + x5 + 0xfffa3942) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((a ^ b ^ c) + d + x8 + 0x8771f681) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((d ^ a ^ b) + c + x11 + 0x6d9d6122) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((c ^ d ^ a) + b + x14 + 0xfde5380c) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((b ^ c ^ d) + a + x1 + 0xa4beea44) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((a ^ b ^ c) + d + x4 + 0x4bdecfa9) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((d ^ a ^ b) + c + x7 + 0xf6bb4b60) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((c ^ d ^ a) + b + x10 + 0xbebfbc70) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((b ^ c ^ d) + a + x13 + 0x289b7ec6) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((a ^ b ^ c) + d + x0 + 0xeaa127fa) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((d ^ a ^ b) + c + x3 + 0xd4ef3085) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((c ^ d ^ a) + b + x6 + 0x04881d05) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((b ^ c ^ d) + a + x9 + 0xd9d4d039) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((a ^ b ^ c) + d + x12 + 0xe6db99e5) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((d ^ a ^ b) + c + x15 + 0x1fa27cf8) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((c ^ d ^ a) + b + x2 + 0xc4ac5665) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((c ^ (b | ~d)) + a + x0 + 0xf4292244) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((b ^ (a | ~c)) + d + x7 + 0x432aff97) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((a ^ (d | ~b)) + c + x14 + 0xab9423a7) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((d ^ (c | ~a)) + b + x5 + 0xfc93a039) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((c ^ (b | ~d)) + a + x12 + 0x655b59c3) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((b ^ (a | ~c)) + d + x3 + 0x8f0ccc92) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((a ^ (d | ~b)) + c + x10 + 0xffeff47d) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((d ^ (c | ~a)) + b + x1 + 0x85845dd1) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((c ^ (b | ~d)) + a + x8 + 0x6fa87e4f) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((b ^ (a | ~c)) + d + x15 + 0xfe2ce6e0) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((a ^ (d | ~b)) + c + x6 + 0xa3014314) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((d ^ (c | ~a)) + b + x13 + 0x4e0811a1) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((c ^ (b | ~d)) + a + x4 + 0xf7537e82) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((b ^ (a | ~c)) + d + x11 + 0xbd3af235) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((a ^ (d | ~b)) + c + x2 + 0x2ad7d2bb) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((d ^ (c | ~a)) + b + x9 + 0xeb86d391) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
}

// the last block(s): x holds the r < 64 message bytes left; pads them and appends the bit length of n bytes
function finish(r: number, n: number): number {
  x[r >> 2] |= 0x80 << ((r & 3) << 3);
  if (r >= 56) {
    transform();
    clear();
  }
  x[14] = n << 3;
  x[15] = Math.floor(n / 0x20000000);
  transform();
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    const w = state[i];
    sum += (w & 0xff) + ((w >>> 8) & 0xff) + ((w >>> 16) & 0xff) + (w >>> 24);
  }
  return sum;
}

// a plain loop: fill() is a builtin call that costs more than sixteen stores
function clear(): void {
  for (let i = 0; i < 16; i++) x[i] = 0;
}

function start(): void {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
}

function sumOfBytes(b: Uint8Array, n: number): number {
  start();
  let i = 0;
  for (; i + 64 <= n; i += 64) {
    for (let w = 0, o = i; w < 16; w++, o += 4) x[w] = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
    transform();
  }
  clear();
  const r = n - i;
  for (let j = 0; j < r; j++) x[j >> 2] |= b[i + j] << ((j & 3) << 3);
  return finish(r, n);
}

// an ASCII key of up to 55 characters fits one block and needs no UTF-8 encoding; -1 when the key is not that
function sumOfShortAscii(key: string): number {
  const n = key.length;
  if (n > 55) return -1;
  clear();
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return -1;
    x[i >> 2] |= c << ((i & 3) << 3);
  }
  start();
  return finish(n, n);
}

/** Sum of the 16 MD5 digest bytes of the key's UTF-8 bytes (Kaffe's PartitionSelector :md5). */
export function md5Sum(key: Exclude<Key, null | undefined>): number {
  if (typeof key === 'string') {
    const sum = sumOfShortAscii(key);
    if (sum >= 0) return sum;
  }
  const { bytes, length } = keyBytes(key);
  if (length < NATIVE_FROM) return sumOfBytes(bytes, length);
  const d = createHash('md5').update(bytes.subarray(0, length)).digest();
  let sum = 0;
  for (let i = 0; i < 16; i++) sum += d[i];
  return sum;
}

export const md5 = keyed((key, count) => md5Sum(key) % count);

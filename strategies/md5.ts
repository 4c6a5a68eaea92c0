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
  a = (((b & c) | (~b & d)) + a + x[0] + 0xd76aa478) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (((a & b) | (~a & c)) + d + x[1] + 0xe8c7b756) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (((d & a) | (~d & b)) + c + x[2] + 0x242070db) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (((c & d) | (~c & a)) + b + x[3] + 0xc1bdceee) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (((b & c) | (~b & d)) + a + x[4] + 0xf57c0faf) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (((a & b) | (~a & c)) + d + x[5] + 0x4787c62a) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (((d & a) | (~d & b)) + c + x[6] + 0xa8304613) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (((c & d) | (~c & a)) + b + x[7] + 0xfd469501) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (((b & c) | (~b & d)) + a + x[8] + 0x698098d8) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (((a & b) | (~a & c)) + d + x[9] + 0x8b44f7af) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (((d & a) | (~d & b)) + c + x[10] + 0xffff5bb1) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (((c & d) | (~c & a)) + b + x[11] + 0x895cd7be) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (((b & c) | (~b & d)) + a + x[12] + 0x6b901122) | 0; a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (((a & b) | (~a & c)) + d + x[13] + 0xfd987193) | 0; d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (((d & a) | (~d & b)) + c + x[14] + 0xa679438e) | 0; c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (((c & d) | (~c & a)) + b + x[15] + 0x49b40821) | 0; b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (((b & d) | (c & ~d)) + a + x[1] + 0xf61e2562) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (((a & c) | (b & ~c)) + d + x[6] + 0xc040b340) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (((d & b) | (a & ~b)) + c + x[11] + 0x265e5a51) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (((c & a) | (d & ~a)) + b + x[0] + 0xe9b6c7aa) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (((b & d) | (c & ~d)) + a + x[5] + 0xd62f105d) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (((a & c) | (b & ~c)) + d + x[10] + 0x02441453) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (((d & b) | (a & ~b)) + c + x[15] + 0xd8a1e681) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (((c & a) | (d & ~a)) + b + x[4] + 0xe7d3fbc8) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (((b & d) | (c & ~d)) + a + x[9] + 0x21e1cde6) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (((a & c) | (b & ~c)) + d + x[14] + 0xc33707d6) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (((d & b) | (a & ~b)) + c + x[3] + 0xf4d50d87) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (((c & a) | (d & ~a)) + b + x[8] + 0x455a14ed) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (((b & d) | (c & ~d)) + a + x[13] + 0xa9e3e905) | 0; a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (((a & c) | (b & ~c)) + d + x[2] + 0xfcefa3f8) | 0; d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (((d & b) | (a & ~b)) + c + x[7] + 0x676f02d9) | 0; c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (((c & a) | (d & ~a)) + b + x[12] + 0x8d2a4c8a) | 0; b = ((b << 20) | (b >>> 12)) + c | 0;
  a = ((b ^ c ^ d) + a + x[5] + 0xfffa3942) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = ((a ^ b ^ c) + d + x[8] + 0x8771f681) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = ((d ^ a ^ b) + c + x[11] + 0x6d9d6122) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = ((c ^ d ^ a) + b + x[14] + 0xfde5380c) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = ((b ^ c ^ d) + a + x[1] + 0xa4beea44) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = ((a ^ b ^ c) + d + x[4] + 0x4bdecfa9) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = ((d ^ a ^ b) + c + x[7] + 0xf6bb4b60) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = ((c ^ d ^ a) + b + x[10] + 0xbebfbc70) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = ((b ^ c ^ d) + a + x[13] + 0x289b7ec6) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = ((a ^ b ^ c) + d + x[0] + 0xeaa127fa) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = ((d ^ a ^ b) + c + x[3] + 0xd4ef3085) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = ((c ^ d ^ a) + b + x[6] + 0x04881d05) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = ((b ^ c ^ d) + a + x[9] + 0xd9d4d039) | 0; a = ((a << 4) | (a >>> 28)) + b | 0;
  d = ((a ^ b ^ c) + d + x[12] + 0xe6db99e5) | 0; d = ((d << 11) | (d >>> 21)) + a | 0;
  c = ((d ^ a ^ b) + c + x[15] + 0x1fa27cf8) | 0; c = ((c << 16) | (c >>> 16)) + d | 0;
  b = ((c ^ d ^ a) + b + x[2] + 0xc4ac5665) | 0; b = ((b << 23) | (b >>> 9)) + c | 0;
  a = ((c ^ (b | ~d)) + a + x[0] + 0xf4292244) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = ((b ^ (a | ~c)) + d + x[7] + 0x432aff97) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = ((a ^ (d | ~b)) + c + x[14] + 0xab9423a7) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = ((d ^ (c | ~a)) + b + x[5] + 0xfc93a039) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = ((c ^ (b | ~d)) + a + x[12] + 0x655b59c3) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = ((b ^ (a | ~c)) + d + x[3] + 0x8f0ccc92) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = ((a ^ (d | ~b)) + c + x[10] + 0xffeff47d) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = ((d ^ (c | ~a)) + b + x[1] + 0x85845dd1) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = ((c ^ (b | ~d)) + a + x[8] + 0x6fa87e4f) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = ((b ^ (a | ~c)) + d + x[15] + 0xfe2ce6e0) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = ((a ^ (d | ~b)) + c + x[6] + 0xa3014314) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = ((d ^ (c | ~a)) + b + x[13] + 0x4e0811a1) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
  a = ((c ^ (b | ~d)) + a + x[4] + 0xf7537e82) | 0; a = ((a << 6) | (a >>> 26)) + b | 0;
  d = ((b ^ (a | ~c)) + d + x[11] + 0xbd3af235) | 0; d = ((d << 10) | (d >>> 22)) + a | 0;
  c = ((a ^ (d | ~b)) + c + x[2] + 0x2ad7d2bb) | 0; c = ((c << 15) | (c >>> 17)) + d | 0;
  b = ((d ^ (c | ~a)) + b + x[9] + 0xeb86d391) | 0; b = ((b << 21) | (b >>> 11)) + c | 0;
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
    x.fill(0);
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
  x.fill(0);
  const r = n - i;
  for (let j = 0; j < r; j++) x[j >> 2] |= b[i + j] << ((j & 3) << 3);
  return finish(r, n);
}

// an ASCII key of up to 55 characters fits one block and needs no UTF-8 encoding; -1 when the key is not that
function sumOfShortAscii(key: string): number {
  const n = key.length;
  if (n > 55) return -1;
  x.fill(0);
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

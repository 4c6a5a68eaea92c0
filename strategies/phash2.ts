import { keyBytes } from './key-bytes';
import { keyed } from './keyed';
import type { Key } from './types';

const GOLDEN = 0x9e3779b9;
/** Erlang's make_hash2 seed for binaries (HCONST_13). */
const HCONST_13 = 0x08d12e65;

// Bob Jenkins' lookup2 block hash, as Erlang's block_hash: 12-byte little-endian blocks, length folded into c.
function blockHash(k: Uint8Array, initval: number): number {
  let a = GOLDEN | 0;
  let b = GOLDEN | 0;
  let c = initval | 0;
  const length = k.length;
  let i = 0;
  const mix = () => {
    a = (a - b - c) ^ (c >>> 13);
    b = (b - c - a) ^ (a << 8);
    c = (c - a - b) ^ (b >>> 13);
    a = (a - b - c) ^ (c >>> 12);
    b = (b - c - a) ^ (a << 16);
    c = (c - a - b) ^ (b >>> 5);
    a = (a - b - c) ^ (c >>> 3);
    b = (b - c - a) ^ (a << 10);
    c = (c - a - b) ^ (b >>> 15);
  };
  for (; length - i >= 12; i += 12) {
    a = (a + (k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24))) | 0;
    b = (b + (k[i + 4] | (k[i + 5] << 8) | (k[i + 6] << 16) | (k[i + 7] << 24))) | 0;
    c = (c + (k[i + 8] | (k[i + 9] << 8) | (k[i + 10] << 16) | (k[i + 11] << 24))) | 0;
    mix();
  }
  c = (c + length) | 0;
  const rest = length - i;
  // the tail bytes land in a, b, c; c's lowest byte is reserved for the length
  if (rest >= 11) c = (c + (k[i + 10] << 24)) | 0;
  if (rest >= 10) c = (c + (k[i + 9] << 16)) | 0;
  if (rest >= 9) c = (c + (k[i + 8] << 8)) | 0;
  if (rest >= 8) b = (b + (k[i + 7] << 24)) | 0;
  if (rest >= 7) b = (b + (k[i + 6] << 16)) | 0;
  if (rest >= 6) b = (b + (k[i + 5] << 8)) | 0;
  if (rest >= 5) b = (b + k[i + 4]) | 0;
  if (rest >= 4) a = (a + (k[i + 3] << 24)) | 0;
  if (rest >= 3) a = (a + (k[i + 2] << 16)) | 0;
  if (rest >= 2) a = (a + (k[i + 1] << 8)) | 0;
  if (rest >= 1) a = (a + k[i]) | 0;
  mix();
  return c >>> 0;
}

/** erlang:phash2(Binary) before the range is applied (32-bit). */
export function phash2Hash(key: Exclude<Key, null | undefined>): number {
  const bytes = keyBytes(key);
  return bytes.length === 0 ? HCONST_13 : blockHash(bytes, HCONST_13);
}

/** erlang:phash2(Key, N): where pulsar-elixir 2.x put keys. */
export function phash2(key: Exclude<Key, null | undefined>, range: number): number {
  return phash2Hash(key) % range;
}

export const phash2Strategy = keyed(phash2);

import { keyBytes } from './key-bytes';
import { keyed } from './keyed';
import type { Key } from './types';

const M = 0x5bd1e995;

/** Kafka's Utils.murmur2 (seed 0x9747b28c): the signed 32-bit result. */
export function murmur2(data: Uint8Array): number {
  const len = data.length;
  let h = 0x9747b28c ^ len;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = len & 3;
  if (rest === 3) h ^= data[blocks + 2] << 16;
  if (rest >= 2) h ^= data[blocks + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[blocks], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function murmur2Of(key: Exclude<Key, null | undefined>): number {
  return murmur2(keyBytes(key));
}

/** Kafka's default partitioner for keyed records: (murmur2 & 0x7fffffff) mod N. */
export const murmur2Strategy = keyed((key, count) => (murmur2(keyBytes(key)) & 0x7fffffff) % count);

import { keyBytes } from './key-bytes';
import { keyed } from './keyed';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's Utils.murmur2 over data[0 .. length): the signed 32-bit result. */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[blocks + 2] << 16;
  if (rest >= 2) h ^= data[blocks + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[blocks], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 of a key's UTF-8 bytes (signed). */
export function murmur2Of(key: string | Uint8Array): number {
  const k = keyBytes(key);
  return murmur2(k.bytes, k.length);
}

/** Kafka's default partitioner for keyed records: (murmur2 & 0x7fffffff) mod N. */
export const murmur2Strategy = keyed((key, count) => (murmur2Of(key) & 0x7fffffff) % count);

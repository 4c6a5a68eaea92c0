import { keyBytes } from './key-bytes';
import { keyed } from './keyed';
import { pulsarKey } from './pulsar-key';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86_32 of data[0 .. length), unsigned. */
export function murmur3_32(data: Uint8Array, seed = 0, length = data.length): number {
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let k = data[blocks];
    if (rest >= 2) k |= data[blocks + 1] << 8;
    if (rest === 3) k |= data[blocks + 2] << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The Pulsar clients' key hash (Java Murmur3_32Hash, C++, Go): murmur3_32(utf8(key)) & 0x7fffffff; a bytes key hashes its base64 text, as the Java client does. */
export function murmur3Of(key: string | Uint8Array): number {
  const k = keyBytes(pulsarKey(key));
  return murmur3_32(k.bytes, 0, k.length) & 0x7fffffff;
}

/** Where the Pulsar Java/C++/Go clients put a keyed message: murmur3Of(key) mod N. */
export const murmur3Strategy = keyed((key, count) => murmur3Of(key) % count);

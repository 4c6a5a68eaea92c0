import { keyBytes } from './key-bytes';
import { keyed } from './keyed';

const GOLDEN = 0x9e3779b9 | 0;
// make_hash2 starts at 0 and seeds a binary's block hash with HCONST_13 + 0
const HCONST_13 = 0x08d12e65;

/**
 * Bob Jenkins' lookup2 hash as Erlang's block_hash runs it: little-endian 12-byte blocks into a, b, c,
 * then c += total length and the 0..11 tail bytes (c's low byte is left to the length), one last mix.
 */
function blockHash(k: Uint8Array, length: number, initval: number): number {
  let a = GOLDEN;
  let b = GOLDEN;
  let c = initval | 0;
  let i = 0;
  // one loop, so the mix is written once: full blocks first, then the padded tail block
  for (let last = false; !last;) {
    if (length - i >= 12) {
      a = (a + (k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24))) | 0;
      b = (b + (k[i + 4] | (k[i + 5] << 8) | (k[i + 6] << 16) | (k[i + 7] << 24))) | 0;
      c = (c + (k[i + 8] | (k[i + 9] << 8) | (k[i + 10] << 16) | (k[i + 11] << 24))) | 0;
      i += 12;
    } else {
      last = true;
      const rest = length - i;
      c = (c + length) | 0;
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
    }
    // lookup2's mix; the subtractions stay exact in doubles and ^ wraps them to 32 bits
    a = (a - b - c) ^ (c >>> 13);
    b = (b - c - a) ^ (a << 8);
    c = (c - a - b) ^ (b >>> 13);
    a = (a - b - c) ^ (c >>> 12);
    b = (b - c - a) ^ (a << 16);
    c = (c - a - b) ^ (b >>> 5);
    a = (a - b - c) ^ (c >>> 3);
    b = (b - c - a) ^ (a << 10);
    c = (c - a - b) ^ (b >>> 15);
  }
  return c >>> 0;
}

/** erlang:phash2(Binary) before any range: the full unsigned 32 bits (phash2/1 would mask these to 27). */
export function phash2Hash(key: string | Uint8Array): number {
  const k = keyBytes(key);
  // an empty binary is not block-hashed at all
  return k.length === 0 ? HCONST_13 : blockHash(k.bytes, k.length, HCONST_13);
}

/** erlang:phash2(Key, N) for a binary key: the 32-bit hash rem N, unmasked (where pulsar-elixir 2.x puts keys). */
export function phash2(key: string | Uint8Array, range: number): number {
  return phash2Hash(key) % range;
}

export const phash2Strategy = keyed(phash2);

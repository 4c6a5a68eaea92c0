import * as crypto from 'crypto';
import { keyed } from './keyed';
import type { Key } from './types';

const oneShot = (crypto as unknown as { hash?: (alg: string, data: string | Uint8Array, enc: 'buffer') => Buffer }).hash;

/** Sum of the 16 MD5 digest bytes of the key (Kaffe's PartitionSelector :md5). */
export function md5Sum(key: Exclude<Key, null | undefined>): number {
  // the one-shot hash (Node >= 20.12) skips the Hash object a createHash call builds
  const d = oneShot ? oneShot('md5', key, 'buffer') : crypto.createHash('md5').update(key).digest();
  let sum = 0;
  for (let i = 0; i < 16; i++) sum += d[i];
  return sum;
}

export const md5 = keyed((key, count) => md5Sum(key) % count);

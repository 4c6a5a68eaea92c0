import { createHash } from 'crypto';
import { keyed } from './keyed';
import type { Key } from './types';

/** Sum of the 16 MD5 digest bytes of the key (Kaffe's PartitionSelector :md5). */
export function md5Sum(key: Exclude<Key, null | undefined>): number {
  const d = createHash('md5').update(key).digest();
  let sum = 0;
  for (let i = 0; i < 16; i++) sum += d[i];
  return sum;
}

export const md5 = keyed((key, count) => md5Sum(key) % count);

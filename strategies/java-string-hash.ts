import { keyed } from './keyed';
import type { Key } from './types';

/** Java's String.hashCode over UTF-16 code units (bytes keys are read as UTF-8 first). */
export function javaStringHash(key: Exclude<Key, null | undefined>): number {
  const s = typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The Pulsar Java client's default hashing: hashCode & 0x7fffffff, mod N. */
export const javaStringHashStrategy = keyed((key, count) => (javaStringHash(key) & 0x7fffffff) % count);

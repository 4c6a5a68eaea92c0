import { keyed } from './keyed';
import { pulsarKey } from './pulsar-key';

/** Java's String.hashCode over UTF-16 code units: h = 31h + unit, wrapping at 32 bits (signed). */
export function javaStringHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return h;
}

/** The Pulsar Java client's JavaStringHash routing: (hashCode & 0x7fffffff) mod N; a bytes key hashes its base64 text, as the Java client does. */
export const javaStringHashStrategy = keyed((key, count) => (javaStringHash(pulsarKey(key)) & 0x7fffffff) % count);

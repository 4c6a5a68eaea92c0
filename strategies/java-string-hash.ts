import { keyed } from './keyed';

/** Java's String.hashCode over UTF-16 code units: h = 31h + unit, wrapping at 32 bits (signed). */
export function javaStringHash(key: string | Uint8Array): number {
  if (typeof key !== 'string') return bytesHash(key);
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return h;
}

// Byte keys are read as UTF-8; while they stay ASCII each byte is its own code unit, so only the rest needs decoding.
function bytesHash(bytes: Uint8Array): number {
  let h = 0;
  let i = 0;
  for (; i < bytes.length && bytes[i] < 0x80; i++) h = (Math.imul(31, h) + bytes[i]) | 0;
  if (i === bytes.length) return h;
  const rest = Buffer.from(bytes.buffer, bytes.byteOffset + i, bytes.length - i).toString('utf8');
  for (let j = 0; j < rest.length; j++) h = (Math.imul(31, h) + rest.charCodeAt(j)) | 0;
  return h;
}

/** The Pulsar Java client's JavaStringHash routing: (hashCode & 0x7fffffff) mod N. */
export const javaStringHashStrategy = keyed((key, count) => (javaStringHash(key) & 0x7fffffff) % count);

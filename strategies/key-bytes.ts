import type { Key } from './types';

let scratch = Buffer.allocUnsafe(256);

/**
 * The UTF-8 bytes of a key. String keys are encoded into a reused scratch buffer, so the view is
 * only valid until the next call: hash it at once.
 */
export function keyBytes(key: Exclude<Key, null | undefined>): Uint8Array {
  if (typeof key !== 'string') return key;
  if (key.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(key.length * 3);
  const n = scratch.write(key, 0, 'utf8');
  return scratch.subarray(0, n);
}

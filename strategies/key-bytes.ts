/** A key's UTF-8 bytes: `bytes[0 .. length)`. */
export interface KeyBytes {
  bytes: Uint8Array;
  length: number;
}

// Keys above this many UTF-16 units get their own buffer rather than growing the scratch for good.
const MAX_SCRATCH_UNITS = 1 << 14;

// One reused view and scratch: a key is hashed as soon as it is encoded, so nothing needs allocating per call.
const view: KeyBytes = { bytes: new Uint8Array(0), length: 0 };
let scratch = new Uint8Array(3 * 64);

/**
 * The UTF-8 bytes of a key. Byte keys are used as they are; string keys are encoded into a scratch
 * buffer. The returned view (and the scratch) are reused by the next call: hash at once.
 */
export function keyBytes(key: string | Uint8Array): Readonly<KeyBytes> {
  if (typeof key !== 'string') {
    view.bytes = key;
    view.length = key.length;
  } else if (key.length > MAX_SCRATCH_UNITS) {
    view.bytes = Buffer.from(key, 'utf8');
    view.length = view.bytes.length;
  } else {
    // a UTF-16 unit never needs more than 3 UTF-8 bytes (a surrogate pair takes 4 for 2 units)
    if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
    view.bytes = scratch;
    view.length = encodeUtf8(key, scratch);
  }
  return view;
}

/** Writes s as UTF-8 into out (big enough: 3 bytes per unit) and returns the byte count; lone surrogates become U+FFFD, as Buffer and TextEncoder do. */
export function encodeUtf8(s: string, out: Uint8Array): number {
  const units = s.length;
  let n = 0;
  for (let i = 0; i < units; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const low = c <= 0xdbff && i + 1 < units ? s.charCodeAt(i + 1) : 0;
        if (low >= 0xdc00 && low <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          out[n++] = 0xf0 | (cp >> 18);
          out[n++] = 0x80 | ((cp >> 12) & 0x3f);
          out[n++] = 0x80 | ((cp >> 6) & 0x3f);
          out[n++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

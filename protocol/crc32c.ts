// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). The TypeScript slice-by-16 below always
// works; a native implementation (the optional @node-rs/crc32 package) is used for longer ranges when it is installed.
const POLY = 0x82f63b78;
const T = new Int32Array(256 * 16);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
// table t advances a byte's CRC through t further zero bytes, so sixteen bytes fold in one step
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let t = 1; t < 16; t++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

// below this many bytes a DataView (one object a call) costs more than its 4-byte loads save
const WORD_READS_FROM = 256;

function checkRange(data: Uint8Array, start: number, end: number): void {
  // out-of-range indexes would read undefined as zero bytes and give a wrong sum silently
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= data.length)) {
    throw new RangeError(`crc32c range [${start}, ${end}) is outside 0..${data.length}`);
  }
}

/** The TypeScript CRC-32C of data[start, end), continuing `initial`; see crc32c. */
export function crc32cTypeScript(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  checkRange(data, start, end);
  let c = ~initial;
  let i = start;
  if (end - i >= WORD_READS_FROM) {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (; i + 16 <= end; i += 16) {
      const a = c ^ v.getInt32(i, true);
      const b = v.getInt32(i + 4, true);
      const d = v.getInt32(i + 8, true);
      const e = v.getInt32(i + 12, true);
      c =
        T[3840 + (a & 0xff)] ^
        T[3584 + ((a >>> 8) & 0xff)] ^
        T[3328 + ((a >>> 16) & 0xff)] ^
        T[3072 + (a >>> 24)] ^
        T[2816 + (b & 0xff)] ^
        T[2560 + ((b >>> 8) & 0xff)] ^
        T[2304 + ((b >>> 16) & 0xff)] ^
        T[2048 + (b >>> 24)] ^
        T[1792 + (d & 0xff)] ^
        T[1536 + ((d >>> 8) & 0xff)] ^
        T[1280 + ((d >>> 16) & 0xff)] ^
        T[1024 + (d >>> 24)] ^
        T[768 + (e & 0xff)] ^
        T[512 + ((e >>> 8) & 0xff)] ^
        T[256 + ((e >>> 16) & 0xff)] ^
        T[e >>> 24];
    }
  }
  for (; i < end; i++) c = T[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (data: Uint8Array, initial: number) => number;

// the native call costs about as much as 300 bytes of TypeScript before it hashes a byte
const NATIVE_FROM = 384;

// the optional package, taken only when it gives the standard check values, whole and continued
function loadNative(): NativeCrc | undefined {
  try {
    // a require, not an import: the package is optional and may be absent
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const f = (require('@node-rs/crc32') as { crc32c: (data: Uint8Array, initial?: number) => number }).crc32c;
    const check = Buffer.from('123456789');
    const ok = f(check, 0) >>> 0 === 0xe3069283 && f(check.subarray(4), f(check.subarray(0, 4), 0)) >>> 0 === 0xe3069283;
    return ok ? (data, initial) => f(data, initial) >>> 0 : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation crc32c uses for long ranges: 'native' when @node-rs/crc32 is installed and correct. */
export const crc32cImplementation: 'native' | 'typescript' = native ? 'native' : 'typescript';

/** Unsigned CRC-32C of data[start, end); `initial` continues a previous result: crc32c(b, 0, n) === crc32c(b, k, n, crc32c(b, 0, k)). */
export function crc32c(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  if (native === undefined || end - start < NATIVE_FROM) return crc32cTypeScript(data, start, end, initial);
  checkRange(data, start, end);
  return native(start === 0 && end === data.length ? data : data.subarray(start, end), initial);
}

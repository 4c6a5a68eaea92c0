// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8: eight 256-entry tables built once at load.
const POLY = 0x82f63b78;
const T = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
// table t advances a byte's CRC through t further zero bytes, so eight bytes fold in one step
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let t = 1; t < 8; t++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/** Unsigned CRC-32C of data[start, end); `initial` continues a previous result: crc32c(b, 0, n) === crc32c(b, k, n, crc32c(b, 0, k)). */
export function crc32c(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  // out-of-range indexes would read undefined as zero bytes and give a wrong sum silently
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= data.length)) {
    throw new RangeError(`crc32c range [${start}, ${end}) is outside 0..${data.length}`);
  }
  let c = ~initial;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c =
      T[1792 + (a & 0xff)] ^
      T[1536 + ((a >>> 8) & 0xff)] ^
      T[1280 + ((a >>> 16) & 0xff)] ^
      T[1024 + (a >>> 24)] ^
      T[768 + data[i + 4]] ^
      T[512 + data[i + 5]] ^
      T[256 + data[i + 6]] ^
      T[data[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

import * as snappyjs from 'snappyjs';
import { checkedDecode } from './checked-decode';
import { CompressionError } from './errors';
import { CompressionType, type Codec } from './codec';

// Raw format (snappy format_description.txt): [uncompressed length varint] then elements, each a tag byte whose
// low 2 bits say literal (0), copy with 1-byte offset (1), 2-byte offset (2) or 4-byte offset (3).
// A 3-byte copy element yields at most 64 bytes; nothing expands more.
const MAX_RATIO = 22;

function fail(message: string): never {
  throw new CompressionError('SNAPPY', message);
}

/** Decodes a raw snappy block that must hold exactly `size` bytes, checking every length and offset. */
export function decompressRaw(src: Uint8Array, size: number): Uint8Array {
  const n = src.length;
  let i = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (i >= n || shift > 28) fail('bad length header');
    const b = src[i++];
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  // checked before allocating anything
  if (declared !== size) fail(`header says ${declared} bytes, metadata says ${size}`);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  while (i < n) {
    const tag = src[i++];
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length > 60) {
        const bytes = length - 60;
        if (i + bytes > n) fail('truncated literal length');
        length = 0;
        for (let k = bytes - 1; k >= 0; k--) length = length * 256 + src[i + k];
        length += 1;
        i += bytes;
      }
      if (length > n - i) fail('literal runs past the end of the payload');
      if (length > size - o) fail(`output exceeds the ${size} bytes the header promised`);
      if (length > 32) out.set(src.subarray(i, i + length), o);
      else for (let k = 0; k < length; k++) out[o + k] = src[i + k];
      i += length;
      o += length;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (i >= n) fail('truncated copy');
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[i++];
    } else if (kind === 2) {
      if (i + 2 > n) fail('truncated copy');
      length = (tag >>> 2) + 1;
      offset = src[i] | (src[i + 1] << 8);
      i += 2;
    } else {
      if (i + 4 > n) fail('truncated copy');
      length = (tag >>> 2) + 1;
      offset = (src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24)) >>> 0;
      i += 4;
    }
    if (offset === 0 || offset > o) fail(`copy offset ${offset} points before the start`);
    if (length > size - o) fail(`output exceeds the ${size} bytes the header promised`);
    // overlapping copies repeat the last `offset` bytes, which needs byte order
    for (let from = o - offset, stop = o + length; o < stop;) out[o++] = out[from++];
  }
  if (o !== size) fail(`decoded ${o} bytes, header says ${size}`);
  return out;
}

/** SNAPPY as Pulsar writes it: a raw snappy block (varint length, then elements), not the framing format. */
export const snappyCodec: Codec = {
  type: CompressionType.SNAPPY,
  compress(data) {
    // snappyjs returns a view of its worst-case buffer for a Buffer but an exact copy for a plain Uint8Array
    const plain = Buffer.isBuffer(data) ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data;
    return snappyjs.compress(plain);
  },
  decompress(data, size) {
    return checkedDecode('SNAPPY', data, size, MAX_RATIO, decompressRaw);
  },
};

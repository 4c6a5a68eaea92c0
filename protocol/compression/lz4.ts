import * as lz4 from 'lz4js';
import { checkedDecode, CompressionError } from './errors';
import { CompressionType, type Codec } from './types';

// One hash table reused across calls: compression is synchronous, so no call overlaps another.
const table = new Uint32Array(1 << 16);

// One LZ4 sequence of literals only: token, length extension bytes, the bytes themselves.
function literalBlock(data: Uint8Array): Uint8Array {
  const n = data.length;
  const ext = n >= 15 ? Math.floor((n - 15) / 255) + 1 : 0;
  const out = Buffer.allocUnsafe(1 + ext + n);
  out[0] = Math.min(n, 15) << 4;
  let o = 1;
  if (n >= 15) {
    let rest = n - 15;
    for (; rest >= 255; rest -= 255) out[o++] = 255;
    out[o++] = rest;
  }
  out.set(data, o);
  return out;
}

/** LZ4 as Pulsar writes it: one raw block, no frame and no size prefix. */
export const lz4Codec: Codec = {
  type: CompressionType.LZ4,
  compress(data) {
    const out = Buffer.allocUnsafe(lz4.compressBound(data.length));
    table.fill(0);
    const n = lz4.compressBlock(data, out, 0, data.length, table);
    // lz4js answers 0 when it found no match; a valid block then holds the bytes as one literal run
    return n > 0 ? out.subarray(0, n) : literalBlock(data);
  },
  decompress(data, size) {
    return checkedDecode('LZ4', size, () => {
      const out = Buffer.allocUnsafe(size);
      // the decoder writes past the end silently; the length check below catches overruns
      const n = lz4.decompressBlock(data, out, 0, data.length, 0);
      if (n !== size) throw new CompressionError('LZ4', `decoded ${n} bytes, metadata says ${size}`);
      return out;
    });
  },
};

import * as zlib from 'zlib';
import { checkedDecode } from './checked-decode';
import { CompressionError } from './errors';
import { CompressionType, type Codec } from './codec';

// java.util.zip.Deflater's default level, which the Java client uses
const LEVEL = 6;
// a 258-byte match costs at least 2 bits, so deflate expands at most 1032 times
const MAX_RATIO = 1032;
// the most inflateSync allocates up front, whatever size the metadata claims
const CHUNK_LIMIT = 64 << 20;

// node:zlib both ways: it runs zlib's C code (several times fflate's speed) and can stop inflating at an output limit
/** Inflates an RFC 1950 stream into exactly `size` bytes; Java's sync-flushed end without final block or Adler-32 is fine. */
export function inflateTolerant(data: Uint8Array, size: number): Uint8Array {
  // CMF: method 8 (deflate), window at most 32 KiB; FLG: no preset dictionary; both together a multiple of 31
  const cmf = data[0];
  const flg = data[1];
  if (data.length < 2 || (cmf & 0x0f) !== 8 || cmf >>> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw new CompressionError('ZLIB', 'missing RFC 1950 header');
  }
  if (flg & 0x20) throw new CompressionError('ZLIB', 'stream needs a preset dictionary');
  try {
    return zlib.inflateSync(data, {
      // returns what the stream holds instead of failing where Java stopped writing
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      // inflating stops as soon as the output passes this
      maxOutputLength: Math.max(size, 1),
      // one chunk holds the result plus the byte that shows an overrun, so nothing is copied; past 64 MiB one concat
      chunkSize: Math.max(64, Math.min(size + 1, CHUNK_LIMIT)),
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CompressionError('ZLIB', `output exceeds the ${size} bytes the metadata promised`);
    }
    throw err;
  }
}

/** ZLIB as Pulsar writes it: an RFC 1950 stream (header, deflate blocks, optional Adler-32). */
export const zlibCodec: Codec = {
  type: CompressionType.ZLIB,
  compress(data) {
    // a complete stream with its Adler-32, as java.util.zip.Deflater writes it
    return zlib.deflateSync(data, { level: LEVEL });
  },
  decompress(data, size) {
    return checkedDecode('ZLIB', data, size, MAX_RATIO, inflateTolerant);
  },
};

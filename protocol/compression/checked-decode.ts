import { CompressionError } from './errors';

// uncompressed_size is a uint32 in MessageMetadata
const MAX_SIZE = 0xffffffff;
const EMPTY = new Uint8Array(0);

/** Runs a codec's decoder behind the shared checks: a plausible size, CompressionError for any failure, exactly `size` bytes out. */
export function checkedDecode(
  codec: string,
  data: Uint8Array,
  size: number,
  maxRatio: number,
  decode: (data: Uint8Array, size: number) => Uint8Array,
): Uint8Array {
  if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE) {
    throw new CompressionError(codec, `uncompressed size ${size} is not a byte count`);
  }
  // the Java client writes an empty ZLIB payload as zero bytes; accept that from every codec
  if (data.length === 0) {
    if (size === 0) return EMPTY;
    throw new CompressionError(codec, `empty payload cannot decode to ${size} bytes`);
  }
  // nothing is allocated for a size the payload could never expand to
  if (size > data.length * maxRatio + 64) {
    throw new CompressionError(codec, `${data.length} bytes cannot decode to ${size} (at most ${maxRatio}x expansion)`);
  }
  let out: Uint8Array;
  try {
    out = decode(data, size);
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError(codec, `corrupt payload (${err instanceof Error ? err.message : String(err)})`);
  }
  if (out.length !== size) throw new CompressionError(codec, `decoded ${out.length} bytes, metadata says ${size}`);
  return out;
}

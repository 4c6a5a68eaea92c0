import * as zstd from '@bokuweb/zstd-wasm';
import { checkedDecode } from './checked-decode';
import { CompressionError } from './errors';
import { CompressionType, type Codec } from './codec';

// the level the Java client's compressor uses
const LEVEL = 3;
const MAGIC = 0xfd2fb528;
// an RLE block turns 4 bytes into at most 128 KiB; nothing in a frame expands more
const MAX_RATIO = 32768;

// the wasm heap stops at 2 GiB and a failed malloc gives address 0, which the library writes through
const WASM_BYTES_LIMIT = 1 << 30;

// zstd_errors.h codes worth naming
const ERRORS: Record<string, (size: number) => string> = {
  10: () => 'unknown frame prefix',
  14: () => 'unsupported frame parameters',
  20: () => 'corrupt payload',
  22: () => 'content checksum mismatch',
  32: () => 'frame needs a dictionary',
  64: () => 'out of wasm memory',
  70: (size) => `decodes to more than the ${size} bytes the metadata promised`,
  72: () => 'truncated frame or trailing bytes',
};

/** Frame_Content_Size of the zstd frame starting `data` (RFC 8878 3.1.1), undefined when absent; throws on a non-frame. */
export function frameContentSize(data: Uint8Array): number | undefined {
  if (data.length < 6 || (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0 !== MAGIC) {
    throw new CompressionError('ZSTD', 'not a zstd frame (magic 0xFD2FB528)');
  }
  const descriptor = data[4];
  if (descriptor & 0x08) throw new CompressionError('ZSTD', 'reserved frame header bit is set');
  const singleSegment = (descriptor >>> 5) & 1;
  const sizeFlag = descriptor >>> 6;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
  const sizeBytes = [singleSegment, 2, 4, 8][sizeFlag];
  if (sizeBytes === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (at + sizeBytes > data.length) throw new CompressionError('ZSTD', 'truncated frame header');
  let value = 0;
  for (let k = sizeBytes - 1; k >= 0; k--) value = value * 256 + data[at + k];
  // the 2-byte form stores the size minus 256
  return sizeBytes === 2 ? value + 256 : value;
}

function decompressFrames(data: Uint8Array, size: number): Uint8Array {
  if (data.length + size > WASM_BYTES_LIMIT) {
    throw new CompressionError('ZSTD', `${data.length} + ${size} bytes exceed the wasm decoder's ${WASM_BYTES_LIMIT} byte limit`);
  }
  const declared = frameContentSize(data);
  // checked here because the library sizes its output from the header when one is there
  if (declared !== undefined && declared !== size) {
    throw new CompressionError('ZSTD', `frame header says ${declared} bytes, metadata says ${size}`);
  }
  try {
    // with no size in the header the library allocates this much and fails on anything longer
    return zstd.decompress(data, { defaultHeapSize: size });
  } catch (err) {
    // the library reports only ZSTD_decompress's negated error code
    const code = /code -(\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new CompressionError('ZSTD', (code && ERRORS[code]?.(size)) ?? `corrupt payload (${err instanceof Error ? err.message : String(err)})`);
  }
}

const zstdCodec: Codec = {
  type: CompressionType.ZSTD,
  compress(data) {
    // room for the input and its worst-case frame side by side
    if (2 * data.length + (64 << 10) > WASM_BYTES_LIMIT) {
      throw new CompressionError('ZSTD', `${data.length} bytes are too many for the wasm encoder (about 512 MiB at most)`);
    }
    return zstd.compress(data, LEVEL);
  },
  decompress(data, size) {
    return checkedDecode('ZSTD', data, size, MAX_RATIO, decompressFrames);
  },
};

/** ZSTD: standard zstd frames, through the zstd C library compiled to wasm (shipped in the npm package: no native build, no download). */
export async function loadZstd(): Promise<Codec> {
  await zstd.init();
  return zstdCodec;
}

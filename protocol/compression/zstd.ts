import * as zstd from '@bokuweb/zstd-wasm';
import * as zlib from 'zlib';
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

// node:zlib's zstd (Node 22.15+, Bun), absent from @types/node 20
interface NativeZstd {
  zstdCompressSync(data: Uint8Array, options: { params: Record<number, number> }): Buffer;
  zstdDecompressSync(data: Uint8Array, options: { maxOutputLength: number }): Buffer;
  constants: { ZSTD_c_compressionLevel: number };
}

// Detected once: the runtime's own zstd where it has one, else the wasm build.
const native =
  typeof (zlib as unknown as Partial<NativeZstd>).zstdCompressSync === 'function' ? (zlib as unknown as NativeZstd) : undefined;

/** Which zstd implementation this runtime uses. */
export const ZSTD_BACKEND: 'node:zlib' | 'wasm' = native ? 'node:zlib' : 'wasm';

// the zstd library's error names (ZSTD_getErrorName) as node:zlib reports them in `code`
const NATIVE_ERRORS: Record<string, (size: number) => string> = {
  ZSTD_error_prefix_unknown: ERRORS[10],
  ZSTD_error_frameParameter_unsupported: ERRORS[14],
  ZSTD_error_corruption_detected: ERRORS[20],
  ZSTD_error_checksum_wrong: ERRORS[22],
  ZSTD_error_dictionary_wrong: ERRORS[32],
  ZSTD_error_memory_allocation: ERRORS[64],
  ZSTD_error_dstSize_tooSmall: ERRORS[70],
  ERR_BUFFER_TOO_LARGE: ERRORS[70],
  ZSTD_error_srcSize_wrong: ERRORS[72],
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

function checkHeader(data: Uint8Array, size: number): void {
  const declared = frameContentSize(data);
  // checked here because the library sizes its output from the header when one is there
  if (declared !== undefined && declared !== size) {
    throw new CompressionError('ZSTD', `frame header says ${declared} bytes, metadata says ${size}`);
  }
}

function decompressFrames(data: Uint8Array, size: number): Uint8Array {
  if (data.length + size > WASM_BYTES_LIMIT) {
    throw new CompressionError('ZSTD', `${data.length} + ${size} bytes exceed the wasm decoder's ${WASM_BYTES_LIMIT} byte limit`);
  }
  checkHeader(data, size);
  try {
    // with no size in the header the library allocates this much and fails on anything longer
    return zstd.decompress(data, { defaultHeapSize: size });
  } catch (err) {
    // the library reports only ZSTD_decompress's negated error code
    const code = /code -(\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new CompressionError(
      'ZSTD',
      (code && ERRORS[code]?.(size)) ?? `corrupt payload (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** The zstd codec, which can also decode frames that do not state their size (as streaming encoders write them). */
export interface ZstdCodec extends Codec {
  /** Decodes whatever the frames hold, up to `limit` bytes; throws CompressionError past that. */
  decompressUnsized(data: Uint8Array, limit: number): Uint8Array;
}

// the wasm decoder needs its output space up front: start from a guess and grow it while the output does not fit
function decompressFramesUnsized(data: Uint8Array, limit: number): Uint8Array {
  const max = Math.min(limit, WASM_BYTES_LIMIT - data.length);
  let capacity = Math.min(max, frameContentSize(data) ?? Math.max(64 << 10, data.length * 8));
  for (;;) {
    try {
      return zstd.decompress(data, { defaultHeapSize: capacity });
    } catch (err) {
      const code = /code -(\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
      if (code === '70' && capacity < max) {
        capacity = Math.min(max, capacity * 4);
        continue;
      }
      throw new CompressionError(
        'ZSTD',
        (code && ERRORS[code]?.(limit)) ?? `corrupt payload (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
}

let wasmReady: Promise<void> | undefined;

const zstdCodec: ZstdCodec = {
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
  decompressUnsized(data, limit) {
    frameContentSize(data);
    return decompressFramesUnsized(data, limit);
  },
};

function decompressNative(z: NativeZstd, data: Uint8Array, size: number): Uint8Array {
  checkHeader(data, size);
  try {
    // decoding stops as soon as the output passes the promised size
    return z.zstdDecompressSync(data, { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CompressionError(
      'ZSTD',
      (code && NATIVE_ERRORS[code]?.(size)) ?? `corrupt payload (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function decompressNativeUnsized(z: NativeZstd, data: Uint8Array, limit: number): Uint8Array {
  frameContentSize(data);
  try {
    return z.zstdDecompressSync(data, { maxOutputLength: Math.max(limit, 1) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CompressionError(
      'ZSTD',
      (code && NATIVE_ERRORS[code]?.(limit)) ?? `corrupt payload (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

const nativeCodec = (z: NativeZstd): ZstdCodec => ({
  type: CompressionType.ZSTD,
  compress(data) {
    return z.zstdCompressSync(data, { params: { [z.constants.ZSTD_c_compressionLevel]: LEVEL } });
  },
  decompress(data, size) {
    return checkedDecode('ZSTD', data, size, MAX_RATIO, (d, s) => decompressNative(z, d, s));
  },
  decompressUnsized(data, limit) {
    return decompressNativeUnsized(z, data, limit);
  },
});

/** ZSTD: standard zstd frames, through node:zlib where the runtime has zstd, else the zstd C library compiled to wasm (shipped in the npm package: no native build, no download). */
export async function loadZstd(): Promise<ZstdCodec> {
  if (native) return nativeCodec(native);
  // once per process: a second init replaces the wasm instance under codecs already handed out
  wasmReady ??= zstd.init().catch((err: unknown) => {
    wasmReady = undefined;
    throw err;
  });
  await wasmReady;
  return zstdCodec;
}

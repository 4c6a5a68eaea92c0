import { CompressionType, type Codec } from './codec';
import { CompressionError } from './errors';
import { lz4Codec } from './lz4';
import { noneCodec } from './none';
import { snappyCodec } from './snappy';
import { zlibCodec } from './zlib';
import { loadZstd } from './zstd';

export { CompressionType, type Codec } from './codec';
export { CompressionError } from './errors';

/** Lowercase names used in configuration: Pulsar has zlib, Kafka gzip; each backend refuses the other's. */
export const COMPRESSION_NAMES = ['none', 'lz4', 'zlib', 'snappy', 'zstd', 'gzip'] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

const BY_NAME: Partial<Record<CompressionName, CompressionType>> = {
  none: CompressionType.NONE,
  lz4: CompressionType.LZ4,
  zlib: CompressionType.ZLIB,
  snappy: CompressionType.SNAPPY,
  zstd: CompressionType.ZSTD,
};

export function compressionTypeOf(name: CompressionName): CompressionType {
  // an own-property check, so 'toString' and friends are refused too
  if (!Object.prototype.hasOwnProperty.call(BY_NAME, name)) {
    throw new CompressionError(String(name), `unknown compression; use one of ${COMPRESSION_NAMES.join(', ')}`);
  }
  return BY_NAME[name]!;
}

const loaded = new Map<CompressionType, Codec>([
  [CompressionType.NONE, noneCodec],
  [CompressionType.LZ4, lz4Codec],
  [CompressionType.ZLIB, zlibCodec],
  [CompressionType.SNAPPY, snappyCodec],
]);
let zstdLoading: Promise<Codec> | undefined;

/** The codec for a type, after its one-time setup (zstd's wasm module); later calls reuse it. */
export async function loadCodec(type: CompressionType): Promise<Codec> {
  const ready = loaded.get(type);
  if (ready) return ready;
  if (type !== CompressionType.ZSTD) throw new CompressionError(String(type), 'unknown compression type');
  zstdLoading ??= loadZstd().then(
    (codec) => {
      loaded.set(CompressionType.ZSTD, codec);
      return codec;
    },
    (err: unknown) => {
      // forgotten, so a later call can try again
      zstdLoading = undefined;
      throw new CompressionError('ZSTD', `cannot load the wasm module (${err instanceof Error ? err.message : String(err)})`);
    },
  );
  return zstdLoading;
}

/** The codec if it is ready for synchronous use: always for NONE, LZ4, ZLIB, SNAPPY; ZSTD after loadCodec. */
export function codecIfLoaded(type: CompressionType): Codec | undefined {
  return loaded.get(type);
}

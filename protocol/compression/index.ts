import { lz4Codec } from './lz4';
import { snappyCodec } from './snappy';
import { CompressionType, type Codec } from './types';
import { loadZstd } from './zstd';
import { zlibCodec } from './zlib';

export { CompressionType, type Codec } from './types';
export { CompressionError } from './errors';

/** Lowercase names used in configuration. */
export const COMPRESSION_NAMES = ['none', 'lz4', 'zlib', 'snappy', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

const BY_NAME: Record<CompressionName, CompressionType> = {
  none: CompressionType.NONE,
  lz4: CompressionType.LZ4,
  zlib: CompressionType.ZLIB,
  snappy: CompressionType.SNAPPY,
  zstd: CompressionType.ZSTD,
};

export function compressionTypeOf(name: CompressionName): CompressionType {
  return BY_NAME[name];
}

const noneCodec: Codec = {
  type: CompressionType.NONE,
  compress: (d) => d,
  decompress: (d) => d,
};

const loaded = new Map<CompressionType, Codec>([
  [CompressionType.NONE, noneCodec],
  [CompressionType.LZ4, lz4Codec],
  [CompressionType.ZLIB, zlibCodec],
  [CompressionType.SNAPPY, snappyCodec],
]);
let zstdLoading: Promise<Codec> | undefined;

/** The codec for a type, after any one-time setup (zstd's wasm module). */
export async function loadCodec(type: CompressionType): Promise<Codec> {
  const ready = loaded.get(type);
  if (ready) return ready;
  if (type !== CompressionType.ZSTD) throw new RangeError(`unknown compression type ${type}`);
  zstdLoading ??= loadZstd().then((c) => {
    loaded.set(CompressionType.ZSTD, c);
    return c;
  });
  return zstdLoading;
}

/** The codec if it is ready for synchronous use. */
export function codecIfLoaded(type: CompressionType): Codec | undefined {
  return loaded.get(type);
}

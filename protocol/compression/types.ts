/** The protocol's CompressionType numbers. */
export enum CompressionType {
  NONE = 0,
  LZ4 = 1,
  ZLIB = 2,
  ZSTD = 3,
  SNAPPY = 4,
}

export interface Codec {
  readonly type: CompressionType;
  compress(data: Uint8Array): Uint8Array;
  /** Throws CompressionError unless the result is exactly `uncompressedSize` bytes. */
  decompress(data: Uint8Array, uncompressedSize: number): Uint8Array;
}

/** The protocol's CompressionType numbers (MessageMetadata.compression). */
export enum CompressionType {
  NONE = 0,
  LZ4 = 1,
  ZLIB = 2,
  ZSTD = 3,
  SNAPPY = 4,
}

/** One compression codec, in the byte format Pulsar puts on the wire. */
export interface Codec {
  readonly type: CompressionType;
  compress(data: Uint8Array): Uint8Array;
  /** Throws CompressionError unless `data` is intact and decodes to exactly `uncompressedSize` bytes. */
  decompress(data: Uint8Array, uncompressedSize: number): Uint8Array;
}

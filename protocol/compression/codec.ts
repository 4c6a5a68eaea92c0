/**
 * The codecs cortado has, numbered as Pulsar's MessageMetadata.compression numbers them (the
 * Pulsar wire uses these numbers as they are; another wire maps them to its own).
 */
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
  /** Returns bytes of its own: the caller may reuse `data`'s memory at once. */
  compress(data: Uint8Array): Uint8Array;
  /** Throws CompressionError unless `data` is intact and decodes to exactly `uncompressedSize` bytes. */
  decompress(data: Uint8Array, uncompressedSize: number): Uint8Array;
}

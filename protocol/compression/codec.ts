import { CompressionType } from '../proto';

/** The protocol's CompressionType numbers (MessageMetadata.compression), from the generated code. */
export { CompressionType };

/** One compression codec, in the byte format Pulsar puts on the wire. */
export interface Codec {
  readonly type: CompressionType;
  /** Returns bytes of its own: the caller may reuse `data`'s memory at once. */
  compress(data: Uint8Array): Uint8Array;
  /** Throws CompressionError unless `data` is intact and decodes to exactly `uncompressedSize` bytes. */
  decompress(data: Uint8Array, uncompressedSize: number): Uint8Array;
}

import * as zlib from 'zlib';
import { loadZstd } from '../compression/zstd';
import { KafkaProtocolError } from './errors';
import { lz4FrameCompress, lz4FrameDecompress } from './lz4-frame';
import { snappyXerialCompress, snappyXerialDecompress } from './snappy-xerial';

// Kafka compresses a record batch's records section whole; the codec is in attribute bits 0-2.

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Each codec's number in a record batch's attributes. */
export const COMPRESSION_ATTRIBUTE: Readonly<Record<KafkaCompression, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const BY_ATTRIBUTE: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The codec named by attribute bits 0-2; throws on the unassigned numbers 5-7. */
export function compressionOfAttribute(n: number): KafkaCompression {
  const c = BY_ATTRIBUTE[n];
  if (c === undefined) throw new KafkaProtocolError(`unknown compression type ${n}`);
  return c;
}

/** One codec in the byte format Kafka puts in a batch; both directions are synchronous once loaded. */
export interface KafkaCodec {
  compress(b: Uint8Array): Uint8Array;
  /** The frame written at `headroom` into space from `take`, whose first `headroom` bytes are the caller's: no copy of the frame. */
  compressAfter?(b: Uint8Array, headroom: number, take: (size: number) => Buffer): Buffer;
  decompress(b: Uint8Array): Uint8Array;
}

/** The most a compressed records section may decode to: far past any broker's message.max.bytes. */
export const MAX_DECOMPRESSED = 1 << 30;

const none: KafkaCodec = { compress: (b) => b, decompress: (b) => b };

// gzip (RFC 1952), as java.util.zip.GZIPOutputStream writes it
const gzip: KafkaCodec = {
  compress: (b) => zlib.gzipSync(b),
  decompress: (b) => zlib.gunzipSync(b, { maxOutputLength: MAX_DECOMPRESSED }),
};

const snappy: KafkaCodec = { compress: snappyXerialCompress, decompress: snappyXerialDecompress };

const lz4: KafkaCodec = {
  compress: (b) => lz4FrameCompress(b),
  compressAfter: lz4FrameCompress,
  decompress: (b) => lz4FrameDecompress(b, MAX_DECOMPRESSED),
};

let zstd: Promise<KafkaCodec> | undefined;

/** The codec for a compression type; zstd loads its wasm module on first use (a failed load is retried next call). */
export function loadKafkaCodec(c: KafkaCompression): Promise<KafkaCodec> {
  switch (c) {
    case 'none':
      return Promise.resolve(none);
    case 'gzip':
      return Promise.resolve(gzip);
    case 'snappy':
      return Promise.resolve(snappy);
    case 'lz4':
      return Promise.resolve(lz4);
    case 'zstd':
      // plain zstd frames; the Java client streams them, so their headers often omit the content size
      zstd ??= loadZstd().then(
        (z): KafkaCodec => ({ compress: (b) => z.compress(b), decompress: (b) => z.decompressUnsized(b, MAX_DECOMPRESSED) }),
        (err: unknown) => {
          zstd = undefined;
          throw err;
        },
      );
      return zstd;
    default:
      return Promise.reject(new KafkaProtocolError(`unknown compression ${String(c)}`));
  }
}

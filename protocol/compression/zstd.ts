import * as zstd from '@bokuweb/zstd-wasm';
import { checkedDecode } from './errors';
import { CompressionType, type Codec } from './types';

const LEVEL = 3;

/** ZSTD: standard zstd frames, through the zstd library compiled to wasm (no native build, no download). */
export async function loadZstd(): Promise<Codec> {
  await zstd.init();
  return {
    type: CompressionType.ZSTD,
    compress(data) {
      return zstd.compress(data, LEVEL);
    },
    decompress(data, size) {
      return checkedDecode('ZSTD', size, () => zstd.decompress(data, { defaultHeapSize: Math.max(size, 1) }));
    },
  };
}

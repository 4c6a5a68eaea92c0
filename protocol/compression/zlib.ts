import { Inflate, zlibSync } from 'fflate';
import { checkedDecode, CompressionError } from './errors';
import { CompressionType, type Codec } from './types';

/** ZLIB (RFC 1950 stream). Java writes it sync-flushed without a final block or Adler-32, so decoding tolerates a missing end. */
export const zlibCodec: Codec = {
  type: CompressionType.ZLIB,
  compress(data) {
    return zlibSync(data, { level: 6 });
  },
  decompress(data, size) {
    return checkedDecode('ZLIB', size, () => {
      if (data.length < 2 || ((data[0] << 8) | data[1]) % 31 !== 0 || (data[0] & 0x0f) !== 8) {
        throw new CompressionError('ZLIB', 'missing RFC 1950 header');
      }
      const out = new Uint8Array(size);
      let at = 0;
      const inflater = new Inflate((chunk) => {
        if (at + chunk.length > size) throw new CompressionError('ZLIB', `output exceeds the ${size} bytes the metadata promised`);
        out.set(chunk, at);
        at += chunk.length;
      });
      // raw deflate body, without the 2-byte header; not final, so an absent last block is fine
      inflater.push(data.subarray(2), false);
      return at === size ? out : out.subarray(0, at);
    });
  },
};

import { CompressionError } from './errors';
import { CompressionType, type Codec } from './codec';

/** NONE: the payload is the message bytes themselves. */
export const noneCodec: Codec = {
  type: CompressionType.NONE,
  compress: (data) => data,
  decompress(data, size) {
    if (data.length !== size) throw new CompressionError('NONE', `payload is ${data.length} bytes, metadata says ${size}`);
    return data;
  },
};

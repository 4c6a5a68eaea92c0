import * as snappy from 'snappyjs';
import { checkedDecode } from './errors';
import { CompressionType, type Codec } from './types';

/** SNAPPY as Pulsar writes it: a raw snappy block (varint length, then elements), not the framing format. */
export const snappyCodec: Codec = {
  type: CompressionType.SNAPPY,
  compress(data) {
    return snappy.compress(data);
  },
  decompress(data, size) {
    return checkedDecode('SNAPPY', size, () => snappy.uncompress(data, size));
  },
};

import { snappyCodec } from '../compression/snappy';
import { KafkaProtocolError } from './errors';

// The Java client writes snappy through xerial's SnappyOutputStream, whose framing is not snappy's own:
//   Magic:0x82 "SNAPPY" 0x00  Version:int32(1)  Compatible:int32(1)  { Length:int32  RawSnappyBlock }*

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER = 16;
// xerial's default block size
const BLOCK_SIZE = 32 * 1024;

/** `src` as xerial-framed snappy blocks of at most 32 KiB. */
export function snappyXerialCompress(src: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  let total = HEADER;
  for (let at = 0; at < src.length; at += BLOCK_SIZE) {
    const block = snappyCodec.compress(src.subarray(at, Math.min(at + BLOCK_SIZE, src.length)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    total += 4 + block.length;
  }
  return Buffer.concat(parts, total);
}

// a raw block starts with its uncompressed length as an unsigned varint
function declaredLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0, shift = 0; i < block.length && shift <= 28; i++, shift += 7) {
    value += (block[i] & 0x7f) * 2 ** shift;
    if (block[i] < 0x80) return value;
  }
  throw new KafkaProtocolError('snappy: bad length header');
}

function decodeBlock(block: Uint8Array): Uint8Array {
  return snappyCodec.decompress(block, declaredLength(block));
}

/** Xerial-framed snappy, or a single raw snappy block (some clients send that), decoded. */
export function snappyXerialDecompress(src: Uint8Array): Buffer {
  const b = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  if (b.length < HEADER || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    const out = decodeBlock(b);
    return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = HEADER;
  while (i < b.length) {
    if (i + 4 > b.length) throw new KafkaProtocolError('snappy: truncated block length');
    const n = b.readInt32BE(i);
    i += 4;
    if (n < 0 || i + n > b.length) throw new KafkaProtocolError(`snappy: block of ${n} bytes runs past the end`);
    const block = decodeBlock(b.subarray(i, i + n));
    parts.push(block);
    total += block.length;
    i += n;
  }
  return Buffer.concat(parts, total);
}

import { compressBlock, decompressBlock } from '../compression/lz4';
import { KafkaProtocolError } from './errors';
import { xxh32 } from './xxhash32';

// Kafka's LZ4 is the LZ4 frame format (lz4 docs/lz4_Frame_format.md), unlike Pulsar's bare block:
//   Magic:uint32le(0x184D2204) FLG BD [ContentSize:uint64le] [DictID:uint32le] HC
//   { BlockSize:uint32le (high bit = stored uncompressed) Data [BlockChecksum:uint32le] }* EndMark:uint32le(0)
//   [ContentChecksum:uint32le]

const MAGIC = 0x184d2204;
// frames with magic 0x184D2A50..5F carry no data, only a size to skip
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const BLOCK_SIZE = 64 * 1024;
// FLG: version 01, blocks independent; no block checksum, content size, content checksum or dictionary
const FLG = 0x60;
// BD: maximum block size code 4 (64 KiB)
const BD = 0x40;
const STORED = 0x80000000;
const MAX_BLOCK = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

function fail(message: string): never {
  throw new KafkaProtocolError(`lz4 frame: ${message}`);
}

// what compressBlock may write for an n-byte block before it knows the block does not shrink
const blockBound = (n: number): number => n + ((n / 255) | 0) + 16;

/**
 * One LZ4 frame holding `src` in independent 64 KiB blocks, each stored raw when compression does not
 * shrink it. The frame starts at `headroom` in space from `take`; blocks compress straight into it.
 */
export function lz4FrameCompress(src: Uint8Array, headroom = 0, take: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const blocks = Math.ceil(src.length / BLOCK_SIZE);
  // sized to the input, not to whole blocks, so the space fits the pool's buffers the plain records used
  const out = take(headroom + 7 + blocks * 4 + blockBound(src.length) + blocks * 16 + 4);
  let o = headroom;
  out.writeUInt32LE(MAGIC, o);
  out[o + 4] = FLG;
  out[o + 5] = BD;
  // the header checksum is the second byte of the descriptor's xxHash32
  out[o + 6] = (xxh32(out, 0, o + 4, o + 6) >>> 8) & 0xff;
  o += 7;
  for (let at = 0; at < src.length; at += BLOCK_SIZE) {
    const block = src.subarray(at, Math.min(at + BLOCK_SIZE, src.length));
    const n = compressBlock(block, out.subarray(o + 4, o + 4 + blockBound(block.length)));
    if (n > 0 && n < block.length) {
      out.writeUInt32LE(n, o);
      o += 4 + n;
    } else {
      out.writeUInt32LE((STORED | block.length) >>> 0, o);
      out.set(block, o + 4);
      o += 4 + block.length;
    }
  }
  out.writeUInt32LE(0, o);
  return out.subarray(0, o + 4);
}

/** Every frame in `src` decoded and joined; block and content checksums and content sizes are skipped, not checked. */
export function lz4FrameDecompress(src: Uint8Array, maxSize = Number.MAX_SAFE_INTEGER): Buffer {
  const b = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = 0;
  const need = (n: number, what: string): void => {
    if (i + n > b.length) fail(`truncated ${what}`);
  };
  while (i < b.length) {
    need(4, 'magic');
    const magic = b.readUInt32LE(i);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
      need(8, 'skippable frame');
      i += 8 + b.readUInt32LE(i + 4);
      if (i > b.length) fail('truncated skippable frame');
      continue;
    }
    if (magic !== MAGIC) fail(`bad magic 0x${magic.toString(16)}`);
    need(7, 'frame descriptor');
    const flg = b[i + 4];
    const bd = b[i + 5];
    if (flg >>> 6 !== 1) fail(`unsupported version ${flg >>> 6}`);
    // the Java client refuses linked blocks too: each block must decode alone
    if (!(flg & 0x20)) fail('dependent blocks are unsupported');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const descriptorEnd = i + 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
    need(descriptorEnd + 1 - i, 'frame descriptor');
    const maxBlock = MAX_BLOCK[(bd >>> 4) & 7];
    if (!maxBlock) fail(`bad block size code ${(bd >>> 4) & 7}`);
    if (b[descriptorEnd] !== ((xxh32(b, 0, i + 4, descriptorEnd) >>> 8) & 0xff)) fail('header checksum mismatch');
    i = descriptorEnd + 1;
    for (;;) {
      need(4, 'block size');
      const word = b.readUInt32LE(i);
      i += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > maxBlock) fail(`block of ${size} bytes exceeds the frame's ${maxBlock}`);
      need(size, 'block');
      const data = b.subarray(i, i + size);
      const block = word & STORED ? data : decompressBlock(data, maxBlock);
      total += block.length;
      if (total > maxSize) fail(`decodes to more than ${maxSize} bytes`);
      parts.push(block);
      i += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) i += 4;
    if (i > b.length) fail('truncated content checksum');
  }
  return Buffer.concat(parts, total);
}

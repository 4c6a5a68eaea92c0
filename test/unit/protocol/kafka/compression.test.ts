import { expect } from 'chai';
import * as crypto from 'crypto';
import * as lz4js from 'lz4js';
import * as snappyjs from 'snappyjs';
import * as zlib from 'zlib';
import {
  compressionOfAttribute,
  type KafkaCompression,
  KafkaProtocolError,
  loadKafkaCodec,
  lz4FrameCompress,
  lz4FrameDecompress,
  snappyXerialCompress,
  snappyXerialDecompress,
  xxh32,
} from '../../../../protocol/kafka';
import { loadZstd } from '../../../../protocol/compression/zstd';

const text = (n: number): Buffer => Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(n / 44)).slice(0, n));

describe('kafka compression', () => {
  describe('xxh32', () => {
    it('matches the reference vectors', () => {
      expect(xxh32(Buffer.from(''), 0)).to.equal(0x02cc5d05);
      expect(xxh32(Buffer.from('a'), 0)).to.equal(0x550d7456);
      expect(xxh32(Buffer.from('abc'), 0)).to.equal(0x32d153ff);
      expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'), 0)).to.equal(0xe2293b2f);
      expect(xxh32(Buffer.from(''), 1)).to.equal(0x0b2cb792);
    });

    it('hashes a range of a buffer as the same bytes alone', () => {
      const b = crypto.randomBytes(100);
      expect(xxh32(b, 7, 3, 90)).to.equal(xxh32(b.subarray(3, 90), 7));
    });
  });

  describe('lz4 frame', () => {
    it('writes the header Kafka writes: magic, FLG 0x60, BD 0x40, HC', () => {
      const f = lz4FrameCompress(text(100));
      expect(f.subarray(0, 6).toString('hex')).to.equal('04224d186040');
      expect(f[6]).to.equal((xxh32(Buffer.from([0x60, 0x40]), 0) >>> 8) & 0xff);
      expect(f.subarray(f.length - 4).toString('hex')).to.equal('00000000');
    });

    for (const [name, data] of [
      ['empty', Buffer.alloc(0)],
      ['short', Buffer.from('hello')],
      ['text over 64 KiB (several blocks)', text(200_000)],
      ['random (stored blocks)', crypto.randomBytes(70_000)],
    ] as const) {
      it(`round-trips ${name}, and lz4js decodes it`, () => {
        const f = lz4FrameCompress(data);
        expect(lz4FrameDecompress(f).equals(data)).to.equal(true);
        expect(Buffer.from(lz4js.decompress(f)).equals(data)).to.equal(true);
      });
    }

    it('stores an incompressible block raw, with the high bit set', () => {
      const data = crypto.randomBytes(1000);
      const f = lz4FrameCompress(data);
      expect(f.readUInt32LE(7)).to.equal((0x80000000 | 1000) >>> 0);
      expect(f.subarray(11, 1011).equals(data)).to.equal(true);
    });

    it('refuses linked blocks, as the Java client does (lz4js writes them)', () => {
      expect(() => lz4FrameDecompress(lz4js.compress(text(1000)))).to.throw(KafkaProtocolError, /dependent/);
    });

    it('skips block checksums, content size and content checksum', () => {
      const data = text(500);
      const block = lz4FrameCompress(data).subarray(7, -4);
      const descriptor = Buffer.concat([Buffer.from([0x60 | 0x10 | 0x08 | 0x04, 0x40]), Buffer.alloc(8)]);
      const blockSize = block.readUInt32LE(0);
      const frame = Buffer.concat([
        Buffer.from('04224d18', 'hex'),
        descriptor,
        Buffer.from([(xxh32(descriptor, 0) >>> 8) & 0xff]),
        block.subarray(0, 4 + (blockSize & 0x7fffffff)),
        Buffer.alloc(4, 0xaa),
        Buffer.alloc(4),
        Buffer.alloc(4, 0xbb),
      ]);
      expect(lz4FrameDecompress(frame).equals(data)).to.equal(true);
    });

    it('refuses a bad header checksum, bad magic and truncation', () => {
      const f = lz4FrameCompress(text(100));
      const bad = Buffer.from(f);
      bad[6] ^= 1;
      expect(() => lz4FrameDecompress(bad)).to.throw(KafkaProtocolError, /header checksum/);
      expect(() => lz4FrameDecompress(Buffer.from('00000000', 'hex'))).to.throw(KafkaProtocolError, /magic/);
      expect(() => lz4FrameDecompress(f.subarray(0, f.length - 2))).to.throw(KafkaProtocolError, /truncated/);
    });
  });

  describe('lz4 frame into given space', () => {
    it('lz4 frame compress allocates no output or scratch buffer of its own: one take, the frame after the headroom', () => {
      const data = text(200_000);
      const sizes: number[] = [];
      let space: Buffer | undefined;
      const f = lz4FrameCompress(data, 61, (n) => {
        sizes.push(n);
        space = Buffer.alloc(n, 0xab);
        return space;
      });
      expect(sizes).to.have.length(1);
      expect(f.buffer).to.equal(space!.buffer);
      // the caller's bytes before the frame are left alone
      expect(f.subarray(0, 61).equals(Buffer.alloc(61, 0xab))).to.equal(true);
      expect(f.readUInt32LE(61)).to.equal(0x184d2204);
      expect(lz4FrameDecompress(f.subarray(61)).equals(data)).to.equal(true);
      // and the bytes are those of a frame written on its own
      expect(f.subarray(61).equals(lz4FrameCompress(data))).to.equal(true);
    });

    it('stores incompressible blocks raw inside the given space', () => {
      const data = crypto.randomBytes(150_000);
      const f = lz4FrameCompress(data, 10, Buffer.allocUnsafe);
      expect(lz4FrameDecompress(f.subarray(10)).equals(data)).to.equal(true);
      expect(f.length - 10).to.be.below(data.length + 7 + 3 * 4 + 4 + 1);
    });
  });

  describe('snappy (xerial framing)', () => {
    it('writes the xerial header and 32 KiB blocks', () => {
      const f = snappyXerialCompress(text(70_000));
      expect(f.subarray(0, 16).toString('hex')).to.equal('82534e415050590000000001' + '00000001');
      const first = f.readInt32BE(16);
      expect(Buffer.from(snappyjs.uncompress(new Uint8Array(f.subarray(20, 20 + first)))).equals(text(70_000).subarray(0, 32768))).to.equal(
        true,
      );
    });

    for (const n of [0, 10, 32768, 100_000]) {
      it(`round-trips ${n} bytes`, () => {
        const data = text(n);
        expect(snappyXerialDecompress(snappyXerialCompress(data)).equals(data)).to.equal(true);
      });
    }

    it('decodes plain unframed snappy', () => {
      const data = text(5000);
      expect(snappyXerialDecompress(snappyjs.compress(new Uint8Array(data))).equals(data)).to.equal(true);
    });
  });

  describe('loadKafkaCodec', () => {
    for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as KafkaCompression[]) {
      it(`${c} round-trips random and repetitive data`, async () => {
        const codec = await loadKafkaCodec(c);
        for (const data of [text(100_000), crypto.randomBytes(3000), Buffer.alloc(0)]) {
          expect(Buffer.from(codec.decompress(codec.compress(data))).equals(data)).to.equal(true);
        }
      });
    }

    it('gzip output is RFC 1952, as node:zlib reads it', async () => {
      const data = text(10_000);
      const codec = await loadKafkaCodec('gzip');
      expect(zlib.gunzipSync(codec.compress(data)).equals(data)).to.equal(true);
      expect(Buffer.from(codec.decompress(zlib.gzipSync(data))).equals(data)).to.equal(true);
    });

    it('zstd decodes frames with and without a content size', async () => {
      const data = text(300_000);
      const codec = await loadKafkaCodec('zstd');
      const z = await loadZstd();
      // a frame the pulsar codec writes states its size; it must still decode without being told
      expect(Buffer.from(codec.decompress(z.compress(data))).equals(data)).to.equal(true);
      // streamed frames (as the Java client writes) have no content size: their output space must grow
      expect(Buffer.from(codec.decompress(Buffer.from('28b52ffd045859000068656c6c6f206b61666b617cc9a62d', 'hex'))).toString()).to.equal(
        'hello kafka',
      );
      expect(Buffer.from(codec.decompress(STREAMED_1MB)).equals(text(1_000_000))).to.equal(true);
    });

    it('maps attribute numbers to codecs', () => {
      expect([0, 1, 2, 3, 4].map(compressionOfAttribute)).to.deep.equal(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
      expect(() => compressionOfAttribute(5)).to.throw(KafkaProtocolError);
    });
  });
});

// text(1_000_000) through `zstd -3 --no-content-size`: 152 bytes that decode to far more than a first guess
const STREAMED_1MB = Buffer.from(
  '28b52ffd0450bc0100b40274686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f670200cdff4f65301066194c000008640100fcff3910024c000008610100fcff3910024c000008680100fcff3910024c000008650100fcff3910024c000008730100fcff3910024c0000086a0100fcff3910024d0000086601003c423910029f8d6d63',
  'hex',
);

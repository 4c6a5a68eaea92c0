import { expect } from 'chai';
import * as crypto from 'crypto';
import * as lz4 from 'lz4js';
import * as zlib from 'zlib';
import { Codec, CompressionError, CompressionType, loadCodec } from '../../../protocol/compression';

const inputs: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  random: crypto.randomBytes(10_000),
  repetitive: Buffer.from('pulsar '.repeat(5000)),
  json1MiB: Buffer.from(JSON.stringify(Array.from({ length: 30_000 }, (_, i) => ({ id: i, name: `user-${i}`, ok: i % 3 === 0 })))).subarray(0, 1 << 20),
};

describe('protocol/compression', () => {
  const codecs: Record<string, Codec> = {};
  before(async () => {
    for (const t of [CompressionType.NONE, CompressionType.LZ4, CompressionType.ZLIB, CompressionType.SNAPPY, CompressionType.ZSTD]) {
      codecs[CompressionType[t]] = await loadCodec(t);
    }
  });

  for (const name of ['LZ4', 'ZLIB', 'SNAPPY', 'ZSTD']) {
    describe(name, () => {
      for (const [what, data] of Object.entries(inputs)) {
        it(`round-trips ${what}`, () => {
          const c = codecs[name].compress(data);
          if (what === 'repetitive') expect(c.length).to.be.lessThan(data.length / 10);
          expect(Buffer.from(codecs[name].decompress(c, data.length)).equals(data)).to.equal(true);
        });
      }

      it('refuses corrupt input with a CompressionError', () => {
        const c = Buffer.from(codecs[name].compress(inputs.repetitive));
        for (let i = 0; i < c.length; i += 7) c[i] ^= 0x5a;
        expect(() => codecs[name].decompress(c, inputs.repetitive.length)).to.throw(CompressionError);
      });

      it('refuses a wrong uncompressed size', () => {
        const c = codecs[name].compress(inputs.repetitive);
        expect(() => codecs[name].decompress(c, inputs.repetitive.length + 1)).to.throw(CompressionError);
      });
    });
  }

  it('LZ4 writes a raw block, not a frame', () => {
    const c = codecs.LZ4.compress(inputs.repetitive);
    expect(Buffer.from(c).readUInt32LE(0)).to.not.equal(0x184d2204);
    const out = Buffer.alloc(inputs.repetitive.length);
    expect(lz4.decompressBlock(c, out, 0, c.length, 0)).to.equal(out.length);
    expect(out.equals(inputs.repetitive)).to.equal(true);
  });

  it('ZLIB writes an RFC 1950 stream that node:zlib inflates', () => {
    const c = Buffer.from(codecs.ZLIB.compress(inputs.repetitive));
    expect((c[0] * 256 + c[1]) % 31).to.equal(0);
    expect(c[0] & 0x0f).to.equal(8);
    expect(zlib.inflateSync(c).equals(inputs.repetitive)).to.equal(true);
  });

  it('ZLIB reads a Java-style sync-flushed stream with no final block or trailer', () => {
    const d = zlib.createDeflate();
    const chunks: Buffer[] = [];
    d.on('data', (b: Buffer) => chunks.push(b));
    return new Promise<void>((resolve) => {
      d.write(inputs.json1MiB);
      d.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const stream = Buffer.concat(chunks);
        expect(stream.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff]))).to.equal(true);
        expect(Buffer.from(codecs.ZLIB.decompress(stream, inputs.json1MiB.length)).equals(inputs.json1MiB)).to.equal(true);
        d.close();
        resolve();
      });
    });
  });

  it('SNAPPY writes the raw format: a varint of the length first', () => {
    const c = codecs.SNAPPY.compress(Buffer.alloc(300, 1));
    expect([c[0], c[1]]).to.deep.equal([0xac, 0x02]);
  });

  it('ZSTD writes a standard frame', () => {
    expect(Buffer.from(codecs.ZSTD.compress(inputs.repetitive)).readUInt32LE(0)).to.equal(0xfd2fb528);
  });
});

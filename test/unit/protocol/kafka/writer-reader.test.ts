import { expect } from 'chai';
import * as fc from 'fast-check';
import { KafkaProtocolError, Reader, Writer } from '../../../../protocol/kafka';

describe('kafka Writer/Reader', () => {
  it('writes fixed-width integers big-endian', () => {
    const b = new Writer().int8(-1).int16(0x0102).int32(-2).uint32(0xfffffffe).int64(-3n).int64(258).finish();
    expect(b.toString('hex')).to.equal('ff' + '0102' + 'fffffffe' + 'fffffffe' + 'fffffffffffffffd' + '0000000000000102');
    const r = new Reader(b);
    expect([r.int8(), r.int16(), r.int32(), r.uint32(), r.int64(), r.int64n()]).to.deep.equal([-1, 0x0102, -2, 0xfffffffe, -3n, 258]);
    expect(r.remaining).to.equal(0);
  });

  it('encodes varints as the protocol guide does (zigzag, seven bits a byte)', () => {
    const hex = (f: (w: Writer) => void): string => {
      const w = new Writer();
      f(w);
      return w.finish().toString('hex');
    };
    expect(hex((w) => w.varint(0))).to.equal('00');
    expect(hex((w) => w.varint(-1))).to.equal('01');
    expect(hex((w) => w.varint(1))).to.equal('02');
    expect(hex((w) => w.varint(-64))).to.equal('7f');
    expect(hex((w) => w.varint(64))).to.equal('8001');
    expect(hex((w) => w.varint(2147483647))).to.equal('feffffff0f');
    expect(hex((w) => w.varint(-2147483648))).to.equal('ffffffff0f');
    expect(hex((w) => w.uvarint(300))).to.equal('ac02');
    expect(hex((w) => w.varlong(-1n))).to.equal('01');
    expect(hex((w) => w.varlong(2n ** 63n - 1n))).to.equal('feffffffffffffffff01');
    expect(hex((w) => w.varlong(-(2n ** 63n)))).to.equal('ffffffffffffffffff01');
  });

  it('round-trips varint and varlong edge values', () => {
    const ints = [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31), 12345678, -12345678];
    const longs = [0n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const nums = [2 ** 31, -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 53 - 1, -(2 ** 53) + 1];
    const w = new Writer(1);
    for (const n of ints) w.varint(n);
    for (const n of longs) w.varlong(n);
    for (const n of nums) w.varlong(n);
    w.uvarint(2 ** 32 - 1);
    const r = new Reader(w.finish());
    expect(ints.map(() => r.varint())).to.deep.equal(ints);
    expect(longs.map(() => r.varlong())).to.deep.equal(longs);
    expect(nums.map(() => r.varlongn())).to.deep.equal(nums);
    expect(r.uvarint()).to.equal(2 ** 32 - 1);
    expect(r.remaining).to.equal(0);
  });

  it('refuses values outside a type', () => {
    expect(() => new Writer().varint(2 ** 31)).to.throw(RangeError);
    expect(() => new Writer().varlong(2n ** 63n)).to.throw(RangeError);
    expect(() => new Writer().uvarint(-1)).to.throw(RangeError);
    expect(() => new Writer().uuid(new Uint8Array(15))).to.throw(RangeError);
  });

  it('round-trips random varints and varlongs', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (i, l) => {
        const r = new Reader(new Writer().varint(i).varlong(l).finish());
        expect(r.varint()).to.equal(i);
        expect(r.varlong()).to.equal(l);
      }),
    );
  });

  it('round-trips strings, bytes, arrays, null and empty alike', () => {
    const w = new Writer(1)
      .string(null)
      .string('')
      .string('héllo')
      .compactString(null)
      .compactString('')
      .compactString('ünï')
      .bytes(null)
      .bytes(Buffer.from([1, 2]))
      .compactBytes(null)
      .compactBytes(Buffer.alloc(0))
      .array(null, (w, n: number) => w.int32(n))
      .array([1, 2], (w, n) => w.int32(n))
      .compactArray(null, (w, n: number) => w.int32(n))
      .compactArray([3], (w, n) => w.int32(n))
      .bool(true)
      .bool(false)
      .uuid(Buffer.alloc(16, 7))
      .emptyTaggedFields();
    const r = new Reader(w.finish());
    expect([r.string(), r.string(), r.string()]).to.deep.equal([null, '', 'héllo']);
    expect([r.compactString(), r.compactString(), r.compactString()]).to.deep.equal([null, '', 'ünï']);
    expect(r.bytes()).to.equal(null);
    expect([...r.bytes()!]).to.deep.equal([1, 2]);
    expect(r.compactBytes()).to.equal(null);
    expect(r.compactBytes()!.length).to.equal(0);
    expect(r.array((r) => r.int32())).to.equal(null);
    expect(r.array((r) => r.int32())).to.deep.equal([1, 2]);
    expect(r.compactArray((r) => r.int32())).to.equal(null);
    expect(r.compactArray((r) => r.int32())).to.deep.equal([3]);
    expect([r.bool(), r.bool()]).to.deep.equal([true, false]);
    expect(r.uuid().equals(Buffer.alloc(16, 7))).to.equal(true);
    r.skipTaggedFields();
    expect(r.remaining).to.equal(0);
  });

  it('null string lengths are on the wire as -1 and 0', () => {
    expect(new Writer().string(null).compactString(null).bytes(null).finish().toString('hex')).to.equal('ffff' + '00' + 'ffffffff');
  });

  it('skips tagged fields it does not know', () => {
    const w = new Writer().uvarint(2).uvarint(0).uvarint(3).raw(Buffer.from('abc')).uvarint(5).uvarint(0).int32(42);
    const r = new Reader(w.finish());
    r.skipTaggedFields();
    expect(r.int32()).to.equal(42);
  });

  it('back-fills reserved sizes, uint32 values included', () => {
    const w = new Writer(1);
    const at = w.reserveInt32();
    w.int16(1);
    w.patchInt32(at, 0xdeadbeef);
    expect(w.finish().toString('hex')).to.equal('deadbeef0001');
    expect(w.length).to.equal(6);
  });

  it('reads a varlong as a number without a bigint up to seven bytes, and past them as before', () => {
    // every width from one byte to ten, both signs, around each seven-bit boundary
    const widths = Array.from({ length: 8 }, (_, k) => 2 ** (7 * k - 1)).flatMap((b) => [b - 1, b, -b, -b - 1]);
    fc.assert(
      fc.property(
        fc.constantFrom(...widths, 2 ** 53 - 1, -(2 ** 53) + 1).chain((b) => fc.constant(Math.trunc(b))),
        (n) => {
          const r = new Reader(new Writer().varlong(n).int8(7).finish());
          expect(r.varlongn()).to.equal(n);
          expect(r.int8(), 'the next field').to.equal(7);
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const r = new Reader(new Writer().varlong(n).finish());
        expect(r.varlongn()).to.equal(n);
        expect(r.remaining).to.equal(0);
      }),
    );
    // a varlong cut short, within and past the fast path's seven bytes, still throws
    expect(() => new Reader(Buffer.from([0x80, 0x80])).varlongn()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])).varlongn()).to.throw(KafkaProtocolError);
  });

  it('throws KafkaProtocolError on every read past the end', () => {
    const reads: Array<(r: Reader) => unknown> = [(r) => r.int16(), (r) => r.int32(), (r) => r.int64(), (r) => r.uuid(), (r) => r.raw(4)];
    for (const read of reads) expect(() => read(new Reader(Buffer.from([1])))).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([1, 2, 3])).int32()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x80])).uvarint()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x00, 0x05, 0x61])).string()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x05, 0x61])).compactBytes()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).array((r) => r.int8())).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])).uvarint()).to.throw(KafkaProtocolError);
    expect(() => new Reader(Buffer.from([0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])).int64n()).to.throw(KafkaProtocolError);
    const e = (() => {
      try {
        new Reader(Buffer.alloc(0)).int8();
      } catch (err) {
        return err as KafkaProtocolError;
      }
    })();
    expect(e?.code).to.equal('PROTOCOL');
  });

  it('reads at a given offset of a plain Uint8Array', () => {
    const r = new Reader(new Uint8Array([9, 0, 7]), 1);
    expect(r.int16()).to.equal(7);
  });

  it('ref appends a large buffer without copying it; the pieces joined equal a plain write, and patches reach the first piece', () => {
    const big = Buffer.alloc(5000, 7);
    const w = new Writer();
    const size = w.reserveInt32();
    w.int16(3).compactBytesRef(big).int32(9).compactBytesRef(Buffer.from('tiny'));
    w.patchInt32(size, w.length - 4);
    const parts = w.finishParts();
    expect(parts).to.have.length(3);
    expect(parts[1]).to.equal(big);
    const plain = new Writer().int32(0).int16(3).compactBytes(big).int32(9).compactBytes(Buffer.from('tiny'));
    plain.patchInt32(0, plain.length - 4);
    expect(Buffer.concat(parts).equals(plain.finish())).to.equal(true);
    expect(w.finish().equals(plain.finish())).to.equal(true);
  });

  it('takes its first buffer from the given allocator', () => {
    const space = Buffer.alloc(64);
    const w = new Writer(64, () => space).int32(5);
    expect(w.finish().buffer).to.equal(space.buffer);
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import { crc32c as chosen, crc32cImplementation, crc32cTypeScript } from '../../../protocol/crc32c';

// bit-at-a-time reference, slow and obviously right
function bitwise(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

// the exported crc32c (native for long ranges when @node-rs/crc32 is installed) and the TypeScript one it falls back to
for (const [name, crc32c] of [
  ['crc32c', chosen],
  ['crc32cTypeScript', crc32cTypeScript],
] as const) {
  describe(`protocol/crc32c: ${name}`, () => {
    it('matches the standard check values', () => {
      expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
      expect(crc32c(Buffer.alloc(32))).to.equal(0x8a9136aa);
      expect(crc32c(Buffer.alloc(32, 0xff))).to.equal(0x62a8ab43);
      // RFC 3720 B.4: 32 bytes counting up, then down
      expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).to.equal(0x46dd794e);
      expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).to.equal(0x113fdb5c);
      expect(crc32c(Buffer.alloc(0))).to.equal(0);
    });

    it('is unsigned', () => {
      expect(crc32c(Buffer.from('123456789'))).to.be.greaterThan(0x7fffffff);
    });

    it('matches a bitwise reference on random data of every tail length', () => {
      for (let n = 0; n < 70; n++) {
        const d = crypto.randomBytes(n);
        expect(crc32c(d), `length ${n}`).to.equal(bitwise(d));
      }
      // around the length where word reads start, from an odd offset so the four-byte loads are unaligned
      for (let n = 240; n < 420; n++) {
        const d = crypto.randomBytes(n + 3).subarray(3);
        expect(crc32c(d), `length ${n}`).to.equal(bitwise(d));
      }
      const big = crypto.randomBytes(100_003);
      expect(crc32c(big)).to.equal(bitwise(big));
    });

    it('covers only [start, end) and honours the view offset', () => {
      const d = crypto.randomBytes(1000);
      expect(crc32c(d, 10, 990)).to.equal(bitwise(d.subarray(10, 990)));
      const view = d.subarray(3, 700);
      expect(crc32c(view)).to.equal(bitwise(view));
    });

    it('continues over several ranges', () => {
      const d = crypto.randomBytes(10_001);
      for (const cut of [0, 1, 7, 8, 9, 5000, 10_000, 10_001]) {
        expect(crc32c(d, cut, d.length, crc32c(d, 0, cut)), `cut at ${cut}`).to.equal(crc32c(d));
      }
      let running = 0;
      for (let at = 0; at < d.length; at += 333) running = crc32c(d, at, Math.min(d.length, at + 333), running);
      expect(running).to.equal(crc32c(d));
    });

    it('refuses a range outside the data instead of summing phantom zeros', () => {
      const d = Buffer.alloc(16);
      expect(() => crc32c(d, 0, 17)).to.throw(RangeError);
      expect(() => crc32c(d, -1)).to.throw(RangeError);
      expect(() => crc32c(d, 9, 8)).to.throw(RangeError);
      expect(() => crc32c(d, 0.5)).to.throw(RangeError);
    });
  });
}

describe('protocol/crc32c: implementations agree', () => {
  it(`crc32c (${crc32cImplementation} for long ranges) equals the TypeScript result for every range length around the cut-overs, offsets and continuations`, () => {
    const d = crypto.randomBytes(5000);
    for (let len = 0; len < 1100; len += len < 600 ? 1 : 37) {
      for (const start of [0, 1, 3, 4000 - len]) {
        expect(chosen(d, start, start + len, 0x1234567), `length ${len} at ${start}`).to.equal(
          crc32cTypeScript(d, start, start + len, 0x1234567),
        );
      }
    }
    // a plain Uint8Array (not a Buffer), whole and as a view
    const u = new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.length));
    expect(chosen(u)).to.equal(crc32cTypeScript(d));
    expect(chosen(u.subarray(7, 4007))).to.equal(crc32cTypeScript(d, 7, 4007));
  });
});

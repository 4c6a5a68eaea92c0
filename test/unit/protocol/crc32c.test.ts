import { expect } from 'chai';
import * as crypto from 'crypto';
import { crc32c } from '../../../protocol/crc32c';

// bit-at-a-time reference, slow and obviously right
function slow(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('protocol/crc32c', () => {
  it('matches the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).to.equal(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).to.equal(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).to.equal(0x62a8ab43);
    expect(crc32c(Buffer.alloc(0))).to.equal(0);
  });

  it('matches a bitwise reference on random data of every tail length', () => {
    for (let n = 0; n < 70; n++) {
      const d = crypto.randomBytes(n);
      expect(crc32c(d), `length ${n}`).to.equal(slow(d));
    }
  });

  it('continues over several ranges', () => {
    const d = crypto.randomBytes(10_001);
    for (const cut of [0, 1, 7, 8, 5000, 10_001]) expect(crc32c(d, cut, d.length, crc32c(d, 0, cut))).to.equal(crc32c(d));
  });
});

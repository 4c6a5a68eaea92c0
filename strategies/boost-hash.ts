import { keyBytes } from './key-bytes';
import { keyed } from './keyed';
import { pulsarKey } from './pulsar-key';

// boost::hash<std::string> since Boost 1.82 on a 64-bit size_t: 64-bit words held as [hi, lo] unsigned 32-bit halves.
const Q_HI = 0x9e3779b9;
const Q_LO = 0x7f4a7c15;
const K_HI = 0xdf442d22;
const K_LO = 0xce4859b9;
const TWO32 = 0x100000000;

// Scratch for the 32×32 and 64×64 products, so hashing allocates nothing.
let pHi = 0;
let pLo = 0;
let mHi = 0;
let mLo = 0;

/** a × b as a 64-bit [pHi, pLo]; every partial product stays below 2^53, so doubles are exact. */
function mul32(a: number, b: number): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const lo = a0 * b0 + (mid % 0x10000) * 0x10000;
  pLo = lo >>> 0;
  pHi = (a1 * b1 + Math.floor(mid / 0x10000) + Math.floor(lo / TWO32)) >>> 0;
}

/** Boost's mulx: the 128-bit product of two 64-bit words, its high half XOR its low half, into [mHi, mLo]. */
function mulx(xHi: number, xLo: number, yHi: number, yLo: number): void {
  mul32(xLo, yLo);
  const w0 = pLo;
  let w1 = pHi;
  mul32(xLo, yHi);
  let w2 = pHi;
  w1 += pLo;
  mul32(xHi, yLo);
  w2 += pHi;
  w1 += pLo;
  mul32(xHi, yHi);
  w2 += pLo + Math.floor(w1 / TWO32);
  const w3 = pHi + Math.floor(w2 / TWO32);
  mHi = ((w1 >>> 0) ^ (w3 >>> 0)) >>> 0;
  mLo = (w0 ^ (w2 >>> 0)) >>> 0;
}

function read32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

// w for seed 0 is mulx(q, k): a constant, worked out once.
mulx(Q_HI, Q_LO, K_HI, K_LO);
const W0_HI = mHi;
const W0_LO = mLo;

/**
 * boost::hash<std::string> of data[0 .. length) as Boost 1.82+ computes it where size_t has 64 bits,
 * returned as its low 32 bits (unsigned): all the C++ client's BoostHash keeps.
 */
export function boostHash64Low(data: Uint8Array, length = data.length): number {
  let wHi = W0_HI;
  let wLo = W0_LO;
  // h = w ^ n, with n below 2^53 split into halves
  let hHi = (wHi ^ Math.floor(length / TWO32)) >>> 0;
  let hLo = (wLo ^ length) >>> 0;
  let p = 0;
  let n = length;
  const step = (vHi: number, vLo: number): void => {
    // w += q; h ^= mulx(v + w, k)
    const lo = wLo + Q_LO;
    wHi = (wHi + Q_HI + (lo >= TWO32 ? 1 : 0)) >>> 0;
    wLo = lo >>> 0;
    const sLo = vLo + wLo;
    mulx((vHi + wHi + (sLo >= TWO32 ? 1 : 0)) >>> 0, sLo >>> 0, K_HI, K_LO);
    hHi = (hHi ^ mHi) >>> 0;
    hLo = (hLo ^ mLo) >>> 0;
  };
  for (; n >= 8; p += 8, n -= 8) step(read32le(data, p + 4), read32le(data, p));
  let vHi = 0;
  let vLo = 0;
  if (n >= 4) {
    // two overlapping 32-bit reads: the last four bytes shifted up by (n - 4) bytes, OR the first four
    const s = (n - 4) * 8;
    const last = read32le(data, p + n - 4);
    vHi = s === 0 ? 0 : last >>> (32 - s);
    vLo = ((last << s) | read32le(data, p)) >>> 0;
  } else if (n >= 1) {
    const x1 = (n - 1) & 2;
    const x2 = n >> 1;
    vLo = ((data[p + x1] << (x1 * 8)) | (data[p + x2] << (x2 * 8)) | data[p]) >>> 0;
  }
  step(vHi, vLo);
  // mulx(h + w, k); only the low half is wanted
  const lo = hLo + wLo;
  mulx((hHi + wHi + (lo >= TWO32 ? 1 : 0)) >>> 0, lo >>> 0, K_HI, K_LO);
  return mLo;
}

/** The C++ client's BoostHash of a key: boost::hash over its UTF-8 bytes, & 0x7fffffff. Bytes keys hash their base64 text, the key the broker stores. */
export function boostHashOf(key: string | Uint8Array): number {
  const k = keyBytes(pulsarKey(key));
  return boostHash64Low(k.bytes, k.length) & 0x7fffffff;
}

/** Where the official C++-based clients put a keyed message by default (pulsar-client-cpp 3.5.0+ release builds, Boost 1.83+; Node pulsar-client 1.11+, Python 3.6+): boostHashOf(key) mod N. */
export const boostHashStrategy = keyed((key, count) => boostHashOf(key) % count);

import { expect } from 'chai';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
// an independent implementation, used only to cross-check ours
import * as murmurhashJs from 'murmurhash-js';
import {
  checkPartition,
  isStrategyName,
  boostHash64Low,
  boostHashOf,
  javaStringHash,
  md5Sum,
  murmur2,
  murmur2Of,
  murmur3_32,
  murmur3Of,
  partitionStrategies,
  phash2,
  phash2Hash,
  pulsarKey,
  STRATEGY_NAMES,
  type PartitionStrategy,
} from '../../../strategies';
import { encodeUtf8, keyBytes } from '../../../strategies/key-bytes';

// compiled, this file runs from dist/test/unit/strategies: walk up to the checkout that holds the fixture
function fixture(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'test', 'fixtures', name);
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error(`test/fixtures/${name} not found above ${__dirname}`);
  }
}

interface PartitionRow {
  key: string;
  partitions: number;
  kaffe_md5: number;
  erlang_phash2: number;
}
interface ValueRow {
  key: string;
  value: number;
}
const vectors = JSON.parse(fs.readFileSync(fixture('routing-vectors.json'), 'utf8')) as {
  kaffe_md5_and_erlang_phash2: { rows: PartitionRow[] };
  pulsar_murmur3_32: { rows: ValueRow[] };
  pulsar_java_string_hash: { rows: ValueRow[] };
  kafka_murmur2: { rows: ValueRow[] };
};

/** The same key as a string, a Buffer, and a plain Uint8Array view that does not start at offset 0. */
function forms(key: string): (string | Uint8Array)[] {
  const utf8 = Buffer.from(key, 'utf8');
  const backing = new Uint8Array(utf8.length + 7);
  backing.set(utf8, 5);
  return [key, utf8, backing.subarray(5, 5 + utf8.length)];
}

// a deterministic generator, so a failure can be reproduced
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
function randomString(next: () => number, units: number): string {
  let s = '';
  for (let i = 0; i < units; i++) {
    const r = next();
    // mostly ASCII, some 2- and 3-byte characters, surrogate pairs, and now and then a lone surrogate
    if (r < 0.6) s += String.fromCharCode(32 + Math.floor(next() * 95));
    else if (r < 0.75) s += String.fromCharCode(0x80 + Math.floor(next() * 0x780));
    else if (r < 0.9) s += String.fromCharCode(0x800 + Math.floor(next() * 0xd000));
    else if (r < 0.97) s += String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
    else s += String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
  }
  return s;
}
const HASHED = ['md5', 'murmur3_32', 'java_string_hash', 'phash2', 'murmur2', 'boost_hash'] as const;
const boostVectors = JSON.parse(fs.readFileSync(fixture('boost-hash-vectors.json'), 'utf8')) as {
  partition_counts: number[];
  rows: { key: string; hash: number; partitions: Record<string, number> }[];
};

describe('strategies: reference vectors', () => {
  for (const r of vectors.kaffe_md5_and_erlang_phash2.rows) {
    it(`kaffe md5 and erlang phash2: ${JSON.stringify(r.key)} over ${r.partitions}`, () => {
      for (const k of forms(r.key)) {
        expect(md5Sum(k) % r.partitions, 'md5Sum').to.equal(r.kaffe_md5);
        expect(partitionStrategies.md5('t', -1, r.partitions, k, null), 'md5').to.equal(r.kaffe_md5);
        expect(phash2(k, r.partitions), 'phash2()').to.equal(r.erlang_phash2);
        expect(partitionStrategies.phash2('t', -1, r.partitions, k, null), 'phash2').to.equal(r.erlang_phash2);
      }
    });
  }

  it('murmur3_32 matches every Pulsar row', () => {
    for (const r of vectors.pulsar_murmur3_32.rows) {
      expect(murmur3Of(r.key), r.key).to.equal(r.value);
      for (const n of [1, 3, 7, 16, 100])
        expect(partitionStrategies.murmur3_32('t', -1, n, r.key, null), `${r.key} / ${n}`).to.equal(r.value % n);
      expect(murmur3_32(Buffer.from(r.key, 'utf8')) & 0x7fffffff, r.key).to.equal(r.value);
    }
  });

  it('java_string_hash matches every Pulsar row', () => {
    for (const r of vectors.pulsar_java_string_hash.rows) {
      expect(javaStringHash(r.key) & 0x7fffffff, r.key).to.equal(r.value);
      for (const n of [1, 3, 7, 16, 100])
        expect(partitionStrategies.java_string_hash('t', -1, n, r.key, null), `${r.key} / ${n}`).to.equal(r.value % n);
    }
  });

  it('boost_hash matches every row the C++ library routed', () => {
    expect(boostVectors.rows.length).to.be.above(50);
    for (const r of boostVectors.rows) {
      expect(boostHashOf(r.key), JSON.stringify(r.key)).to.equal(r.hash);
      const utf8 = Buffer.from(r.key, 'utf8');
      expect(boostHash64Low(utf8) & 0x7fffffff, JSON.stringify(r.key)).to.equal(r.hash);
      for (const n of boostVectors.partition_counts) {
        expect(partitionStrategies.boost_hash('t', -1, n, r.key, null), `${JSON.stringify(r.key)} / ${n}`).to.equal(
          r.partitions[String(n)],
        );
      }
    }
  });

  // the Java client's keyBytes stores base64(bytes) as the key and its routers hash that text
  it('the Pulsar schemes route a bytes key as the Java client does: by its base64 text', () => {
    const next = lcg(17);
    for (let len = 0; len < 40; len++) {
      const raw = Uint8Array.from({ length: len }, () => Math.floor(next() * 256));
      const b64 = Buffer.from(raw).toString('base64');
      // a view that does not start at offset 0 must encode only its own bytes
      const backing = new Uint8Array(len + 9);
      backing.set(raw, 4);
      for (const k of [raw, Buffer.from(raw), backing.subarray(4, 4 + len)]) {
        expect(pulsarKey(k)).to.equal(b64);
        for (const n of [3, 7, 16]) {
          expect(partitionStrategies.murmur3_32('t', -1, n, k, null), `murmur3 ${b64}`).to.equal(
            partitionStrategies.murmur3_32('t', -1, n, b64, null),
          );
          expect(partitionStrategies.java_string_hash('t', -1, n, k, null), `java ${b64}`).to.equal(
            partitionStrategies.java_string_hash('t', -1, n, b64, null),
          );
          expect(partitionStrategies.boost_hash('t', -1, n, k, null), `boost ${b64}`).to.equal(
            partitionStrategies.boost_hash('t', -1, n, b64, null),
          );
        }
      }
    }
    // Java: Murmur3_32Hash.makeHash("AAECAwQFBgc=") for keyBytes({0..7}); the same value the key string gives
    expect(murmur3Of(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7))).to.equal(murmur3Of('AAECAwQFBgc='));
    // and it is not the hash of the raw bytes, which the schemes used to take
    expect(murmur3Of(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7))).to.not.equal(murmur3_32(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7)) & 0x7fffffff);
    expect(javaStringHash('/w==')).to.equal(((47 * 31 + 119) * 31 + 61) * 31 + 61);
    expect(partitionStrategies.java_string_hash('t', -1, 1000, Uint8Array.of(0xff), null)).to.equal(javaStringHash('/w==') % 1000);
  });

  it('Kafka murmur2, Kaffe md5 and phash2 keep hashing the raw bytes of a bytes key', () => {
    const next = lcg(19);
    for (let len = 1; len < 40; len++) {
      const raw = Uint8Array.from({ length: len }, () => Math.floor(next() * 256));
      const b64 = Buffer.from(raw).toString('base64');
      expect(murmur2Of(raw)).to.equal(murmur2(raw));
      expect(md5Sum(raw)).to.equal(
        createHash('md5')
          .update(raw)
          .digest()
          .reduce((a, b) => a + b, 0),
      );
      expect(phash2Hash(raw)).to.not.equal(phash2Hash(b64));
      expect(murmur2Of(raw)).to.not.equal(murmur2Of(b64));
    }
  });

  it('murmur2 matches every Kafka row', () => {
    for (const r of vectors.kafka_murmur2.rows) {
      for (const k of forms(r.key)) {
        expect(murmur2Of(k), r.key).to.equal(r.value);
        for (const n of [1, 3, 7, 16, 100])
          expect(partitionStrategies.murmur2('t', -1, n, k, null), `${r.key} / ${n}`).to.equal((r.value & 0x7fffffff) % n);
      }
      expect(murmur2(Buffer.from(r.key, 'utf8')), r.key).to.equal(r.value);
    }
  });

  it('phash2 gives the full 32-bit values of OTP hash_SUITE for binaries, long and offset ones included', () => {
    // erlang:phash2(Bin, 1 bsl 32) values from erts/emulator/test/hash_SUITE.erl (phash2_test)
    const chars = Buffer.alloc(96 * 500);
    for (let i = 0; i < chars.length; i++) chars[i] = 32 + (i % 96);
    const cases: [Uint8Array, number][] = [
      [new Uint8Array(0), 147926629],
      [new Uint8Array(1), 2914887855],
      [new Uint8Array(4), 2014511533],
      [Buffer.from('abc'), 1306188027],
      [Buffer.from('12345678901234567890'), 3021061640],
      [chars, 2644086993],
      [chars.subarray(16), 3575839236],
    ];
    for (const [bin, hash] of cases) {
      expect(phash2Hash(bin), `${bin.length} bytes`).to.equal(hash);
      // all these bytes are ASCII, so the same text as a string key hashes the same
      expect(phash2Hash(Buffer.from(bin).toString('latin1')), `${bin.length} chars`).to.equal(hash);
      expect(phash2(bin, 2 ** 32)).to.equal(hash);
    }
    // erlang:phash2(<<"Scott9">>) from the same suite (otp_7127): phash2/1 keeps the low 27 bits
    expect(phash2Hash('Scott9') & (2 ** 27 - 1)).to.equal(38990304);
    // phash2/2 reduces the whole 32-bit hash: no 27-bit mask as phash2/1 has
    expect(phash2('abc', 1000))
      .to.equal(1306188027 % 1000)
      .and.not.equal((1306188027 & (2 ** 27 - 1)) % 1000);
  });
});

describe('strategies: cross-checks', () => {
  it('md5Sum equals the byte sum of node:crypto md5 across block boundaries and for long keys', () => {
    const next = lcg(7);
    const sum = (d: Buffer) => d.reduce((a, b) => a + b, 0);
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 1000, 4096, 70000];
    for (const len of lengths) {
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(next() * 256);
      expect(md5Sum(bytes), `${len} bytes`).to.equal(sum(createHash('md5').update(bytes).digest()));
      const s = randomString(next, len);
      expect(md5Sum(s), `${len} units`).to.equal(sum(createHash('md5').update(s, 'utf8').digest()));
    }
  });

  it('md5Sum equals node:crypto on 20,000 random short keys, ASCII (one-block path) and not, and around the native cut-over', () => {
    const next = lcg(19);
    const sum = (d: Buffer) => d.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(next() * 64);
      let ascii = '';
      for (let j = 0; j < len; j++) ascii += String.fromCharCode(Math.floor(next() * 128));
      expect(md5Sum(ascii), JSON.stringify(ascii)).to.equal(sum(createHash('md5').update(ascii, 'utf8').digest()));
      const mixed = randomString(next, len);
      expect(md5Sum(mixed), JSON.stringify(mixed)).to.equal(sum(createHash('md5').update(mixed, 'utf8').digest()));
    }
    for (let len = 500; len < 530; len++) {
      const s = 'ab€'.repeat(len).slice(0, len);
      expect(md5Sum(s), `${len} units`).to.equal(sum(createHash('md5').update(s, 'utf8').digest()));
    }
  });

  it('agrees with murmurhash-js on the latin1 view of UTF-8 bytes (murmur3 seed 0, murmur2 with the Kafka seed)', () => {
    const next = lcg(11);
    for (let len = 0; len < 80; len++) {
      const key = randomString(next, len);
      const latin1 = Buffer.from(key, 'utf8').toString('latin1');
      expect(murmur3Of(key), JSON.stringify(key)).to.equal(murmurhashJs.murmur3(latin1, 0) & 0x7fffffff);
      expect(murmur2Of(key), JSON.stringify(key)).to.equal(murmurhashJs.murmur2(latin1, 0x9747b28c) | 0);
    }
  });

  it('boostHash64Low agrees with a BigInt rendering of Boost 1.82+ hash_range for every length to 300', () => {
    const M = (1n << 64n) - 1n;
    const Q = 0x9e3779b97f4a7c15n;
    const K = 0xdf442d22ce4859b9n;
    const mulx = (x: bigint, y: bigint) => {
      const r = x * y;
      return (r & M) ^ (r >> 64n);
    };
    const le = (b: Uint8Array, at: number, n: number) => {
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]);
      return v;
    };
    const reference = (b: Uint8Array) => {
      let w = mulx(Q, K);
      let h = w ^ BigInt(b.length);
      let p = 0;
      let n = b.length;
      for (; n >= 8; p += 8, n -= 8) {
        w = (w + Q) & M;
        h ^= mulx((le(b, p, 8) + w) & M, K);
      }
      let v = 0n;
      if (n >= 4) v = ((le(b, p + n - 4, 4) << BigInt((n - 4) * 8)) | le(b, p, 4)) & M;
      else if (n >= 1)
        v = (BigInt(b[p + ((n - 1) & 2)]) << BigInt(((n - 1) & 2) * 8)) | (BigInt(b[p + (n >> 1)]) << BigInt((n >> 1) * 8)) | BigInt(b[p]);
      w = (w + Q) & M;
      h ^= mulx((v + w) & M, K);
      return Number(mulx((h + w) & M, K) & 0xffffffffn);
    };
    const next = lcg(23);
    for (let len = 0; len <= 300; len++) {
      // all-0xff bytes push every carry; random ones cover the rest
      for (const fill of [() => 0xff, () => Math.floor(next() * 256)]) {
        const b = Uint8Array.from({ length: len }, fill);
        expect(boostHash64Low(b), `${len} bytes`).to.equal(reference(b));
      }
    }
  });

  it('encodes string keys exactly as Buffer does, lone surrogates included', () => {
    const next = lcg(3);
    const out = new Uint8Array(3 * 16385);
    const samples = ['', 'a', 'héllo', '€uro', '😃', '\ud800', 'a\udc00b', '\ud83d', '\ud83d\ude03\ud83d', 'x'.repeat(300)];
    for (let i = 0; i < 300; i++) samples.push(randomString(next, i));
    // three bytes a unit, long enough to make the scratch grow (and 16385 units to skip it)
    for (const n of [100, 1000, 5000, 16000, 16384, 16385]) samples.push('€'.repeat(n));
    for (const s of samples) {
      const expected = Buffer.from(s, 'utf8');
      const n = encodeUtf8(s, out);
      expect(Buffer.from(out.subarray(0, n)).equals(expected), JSON.stringify(s)).to.equal(true);
      const k = keyBytes(s);
      expect(Buffer.from(k.bytes.subarray(0, k.length)).equals(expected), JSON.stringify(s)).to.equal(true);
    }
  });

  it('hashes a string key and its UTF-8 bytes alike, across scratch growth and very long keys', () => {
    const next = lcg(5);
    for (const units of [0, 1, 5, 16, 63, 64, 65, 200, 1000, 20000, 50000]) {
      const s = randomString(next, units);
      const b = Buffer.from(s, 'utf8');
      expect(murmur3Of(s), `${units}`).to.equal(murmur3_32(b) & 0x7fffffff);
      expect(boostHashOf(s), `${units}`).to.equal(boostHash64Low(b) & 0x7fffffff);
      expect(murmur2Of(s), `${units}`).to.equal(murmur2Of(b));
      expect(phash2Hash(s), `${units}`).to.equal(phash2Hash(b));
      expect(md5Sum(s), `${units}`).to.equal(md5Sum(b));
      // a short key after a long one must not see the long key's leftover bytes
      expect(murmur3Of('k1')).to.equal(2110152746);
    }
  });

  // md5 is checked against node:crypto above; the others have no second implementation for every length
  it('every byte of a key, at every tail length, changes the 32-bit hashes', () => {
    const hashes: [string, (b: Uint8Array) => number][] = [
      ['murmur3_32', (b) => murmur3_32(b)],
      ['murmur2', (b) => murmur2(b)],
      ['phash2', phash2Hash],
      ['javaStringHash', (b) => javaStringHash(Buffer.from(b).toString('latin1'))],
      ['boostHash', (b) => boostHash64Low(b)],
    ];
    for (let len = 1; len <= 70; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => 0x41 + ((i * 7) % 26));
      for (const [name, hash] of hashes) {
        const before = hash(bytes);
        for (let i = 0; i < len; i++) {
          bytes[i] ^= 0x20;
          const after = hash(bytes);
          bytes[i] ^= 0x20;
          expect(after, `${name}: byte ${i} of ${len}`).to.not.equal(before);
        }
      }
    }
  });

  it('java_string_hash hashes UTF-16 units', () => {
    const next = lcg(9);
    for (let len = 0; len < 60; len++) {
      const s = Buffer.from(randomString(next, len), 'utf8').toString('utf8'); // lone surrogates made U+FFFD, as a decode would
      let expected = 0;
      for (let i = 0; i < s.length; i++) expected = (Math.imul(31, expected) + s.charCodeAt(i)) | 0;
      expect(javaStringHash(s), JSON.stringify(s)).to.equal(expected);
    }
    // 😃 is two UTF-16 units, U+D83D U+DE03, not one code point
    expect(javaStringHash('😃')).to.equal(31 * 0xd83d + 0xde03);
  });
});

describe('strategies: behaviour', () => {
  it('round_robin cycles per topic, wraps, and restarts after a shrink', () => {
    const rr = partitionStrategies.round_robin;
    // the caller keeps the current partition per topic
    const current = new Map<string, number>();
    const route = (topic: string, n: number) => {
      const p = rr(topic, current.get(topic) ?? -1, n, 'k', 'v');
      current.set(topic, p);
      return p;
    };
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 7; i++) {
      a.push(route('a', 3));
      if (i % 2 === 0) b.push(route('b', 2));
    }
    expect(a).to.deep.equal([0, 1, 2, 0, 1, 2, 0]);
    expect(b).to.deep.equal([0, 1, 0, 1]);
    expect(rr('t', 9, 3, null, null)).to.equal(0);
    expect(rr('t', 3, 3, null, null)).to.equal(0);
    expect(rr('t', 1, 1, null, null)).to.equal(0);
    expect(rr('t', 0, 1, null, null)).to.equal(0);
  });

  it('random stays in range and reaches every partition about evenly', () => {
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 10000; i++) {
      const p = partitionStrategies.random('t', -1, 5, 'k', 'v');
      expect(checkPartition(p, 5), String(p)).to.equal(true);
      counts[p]++;
    }
    for (const c of counts) expect(c).to.be.within(1600, 2400);
    expect(partitionStrategies.random('t', -1, 1, 'k', 'v')).to.equal(0);
  });

  it('keyless messages go round robin for every hash strategy', () => {
    for (const name of HASHED) {
      const s = partitionStrategies[name];
      const seq: number[] = [];
      let cur = -1;
      for (let i = 0; i < 5; i++) seq.push((cur = s('t', cur, 3, i % 2 ? null : undefined, 'v')));
      expect(seq, name).to.deep.equal([0, 1, 2, 0, 1]);
    }
  });

  it('an empty key is a real key, not a keyless message', () => {
    // for "" over 7: kaffe md5 0, phash2 4; round robin from 0 would give 1
    expect(partitionStrategies.md5('t', 0, 7, '', null)).to.equal(0);
    expect(partitionStrategies.phash2('t', 0, 7, '', null)).to.equal(4);
    expect(partitionStrategies.murmur3_32('t', 0, 7, '', null)).to.equal(0);
    expect(partitionStrategies.murmur2('t', 0, 7, new Uint8Array(0), null)).to.equal((murmur2(new Uint8Array(0)) & 0x7fffffff) % 7);
  });

  it('every strategy returns a valid partition for any key and count', () => {
    const next = lcg(13);
    for (let i = 0; i < 500; i++) {
      const n = 1 + Math.floor(next() * 100);
      const key = i % 3 === 0 ? Buffer.from(randomString(next, i % 40)) : randomString(next, i % 40);
      for (const name of STRATEGY_NAMES) {
        const s: PartitionStrategy = partitionStrategies[name];
        const p = s('t', Math.floor(next() * n), n, key, 'v');
        expect(checkPartition(p, n), `${name} ${p} of ${n}`).to.equal(true);
      }
    }
  });

  it('checkPartition accepts only integers in [0, N)', () => {
    expect(checkPartition(0, 4)).to.equal(true);
    expect(checkPartition(3, 4)).to.equal(true);
    for (const bad of [1.5, -1, 4, 5, NaN, '1', null, undefined, Infinity, -0.5, {}])
      expect(checkPartition(bad, 4), String(bad)).to.equal(false);
    expect(checkPartition(0, 0)).to.equal(false);
  });

  it('names every strategy, and only those', () => {
    expect(STRATEGY_NAMES).to.deep.equal([
      'md5',
      'round_robin',
      'random',
      'murmur3_32',
      'java_string_hash',
      'phash2',
      'murmur2',
      'boost_hash',
    ]);
    expect(Object.keys(partitionStrategies).sort()).to.deep.equal([...STRATEGY_NAMES].sort());
    expect(Object.isFrozen(partitionStrategies)).to.equal(true);
    for (const name of STRATEGY_NAMES) expect(isStrategyName(name), name).to.equal(true);
    for (const name of ['MD5', 'roundRobin', 'murmur3', '', 'toString', '__proto__', 'constructor'])
      expect(isStrategyName(name), name).to.equal(false);
  });
});

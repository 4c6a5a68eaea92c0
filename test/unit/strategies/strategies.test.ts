import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
// an independent implementation, used only to cross-check ours
import * as murmurhashJs from 'murmurhash-js';
import { checkPartition, javaStringHash, md5Sum, murmur2Of, murmur3Of, partitionStrategies, phash2, STRATEGY_NAMES } from '../../../strategies';

const vectors = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../test/fixtures/routing-vectors.json'), 'utf8'));
const forms = (key: string) => [key, Buffer.from(key, 'utf8')];

describe('strategies: reference vectors', () => {
  for (const r of vectors.kaffe_md5_and_erlang_phash2.rows) {
    it(`md5 and phash2: ${JSON.stringify(r.key)} over ${r.partitions}`, () => {
      for (const k of forms(r.key)) {
        expect(md5Sum(k) % r.partitions).to.equal(r.kaffe_md5);
        expect(partitionStrategies.md5('t', -1, r.partitions, k, null)).to.equal(r.kaffe_md5);
        expect(phash2(k, r.partitions)).to.equal(r.erlang_phash2);
        expect(partitionStrategies.phash2('t', -1, r.partitions, k, null)).to.equal(r.erlang_phash2);
      }
    });
  }

  it('murmur3_32 matches every Pulsar row', () => {
    for (const r of vectors.pulsar_murmur3_32.rows) for (const k of forms(r.key)) expect(murmur3Of(k), r.key).to.equal(r.value);
  });

  it('java_string_hash matches every Pulsar row', () => {
    for (const r of vectors.pulsar_java_string_hash.rows) for (const k of forms(r.key)) expect(javaStringHash(k) & 0x7fffffff, r.key).to.equal(r.value);
  });

  it('murmur2 matches every Kafka row', () => {
    for (const r of vectors.kafka_murmur2.rows) for (const k of forms(r.key)) expect(murmur2Of(k), r.key).to.equal(r.value);
  });

  it('hash strategies route as value mod N', () => {
    for (const r of vectors.pulsar_murmur3_32.rows) expect(partitionStrategies.murmur3_32('t', -1, 7, r.key, null)).to.equal(r.value % 7);
    for (const r of vectors.kafka_murmur2.rows) expect(partitionStrategies.murmur2('t', -1, 5, r.key, null)).to.equal((r.value & 0x7fffffff) % 5);
    for (const r of vectors.pulsar_java_string_hash.rows) expect(partitionStrategies.java_string_hash('t', -1, 3, r.key, null)).to.equal(r.value % 3);
  });

  it('agrees with murmurhash-js on latin1 keys (murmur3 seed 0, Kafka murmur2 seed)', () => {
    for (const key of ['', 'a', 'abc', 'hello world', 'key-12345', 'zzzzzzzzzzzzzzzzz']) {
      expect(murmur3Of(key), key).to.equal(murmurhashJs.murmur3(key, 0) & 0x7fffffff);
    }
  });
});

describe('strategies: behaviour', () => {
  it('round_robin cycles per topic and wraps', () => {
    const rr = partitionStrategies.round_robin;
    let cur = -1;
    const seen = [];
    for (let i = 0; i < 7; i++) seen.push((cur = rr('t', cur, 3, 'k', 'v')));
    expect(seen).to.deep.equal([1 % 3 === 1 ? 0 : 0, 1, 2, 0, 1, 2, 0].map((_, i) => i % 3));
    expect(rr('t', 9, 3, null, null)).to.equal(0); // after a shrink
  });

  it('random stays in range and reaches every partition', () => {
    const hits = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const p = partitionStrategies.random('t', -1, 5, 'k', 'v');
      expect(checkPartition(p, 5)).to.equal(true);
      hits.add(p);
    }
    expect(hits.size).to.equal(5);
  });

  it('keyless messages go round robin for every hash strategy', () => {
    for (const name of ['md5', 'murmur3_32', 'java_string_hash', 'phash2', 'murmur2'] as const) {
      const s = partitionStrategies[name];
      expect([s('t', -1, 3, null, 'v'), s('t', 0, 3, undefined, 'v'), s('t', 2, 3, null, 'v')], name).to.deep.equal([0, 1, 0]);
    }
  });

  it('non-ASCII keys hash over their UTF-8 bytes', () => {
    expect(murmur3Of('héllo')).to.equal(murmur3Of(Buffer.from('héllo', 'utf8')));
    expect(murmur3Of('héllo')).to.not.equal(murmur3Of(Buffer.from('héllo', 'latin1')));
  });

  it('checkPartition accepts only integers in range', () => {
    expect(checkPartition(0, 4)).to.equal(true);
    expect(checkPartition(3, 4)).to.equal(true);
    for (const bad of [1.5, -1, 4, NaN, '1', null, undefined, Infinity]) expect(checkPartition(bad, 4), String(bad)).to.equal(false);
  });

  it('names every strategy', () => {
    expect(STRATEGY_NAMES).to.deep.equal(['md5', 'round_robin', 'random', 'murmur3_32', 'java_string_hash', 'phash2', 'murmur2']);
  });
});

import { expect } from 'chai';
import * as fc from 'fast-check';
import { crc32c } from '../../../../protocol/crc32c';
import {
  decodeRecordBatches,
  encodeRecordBatch,
  type KafkaCodec,
  type KafkaCompression,
  KafkaProtocolError,
  loadKafkaCodec,
  type RecordInput,
  restampRecordBatch,
} from '../../../../protocol/kafka';

const ALL: KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const codecs = new Map<KafkaCompression, KafkaCodec>();
const codecOf = (c: KafkaCompression): KafkaCodec => codecs.get(c)!;

const RECORDS: RecordInput[] = [
  { key: null, value: Buffer.from('v0'), timestamp: 1_700_000_000_000 },
  { key: Buffer.from('k1'), value: null, headers: [['h', Buffer.from('x')]], timestamp: 1_700_000_000_005 },
  {
    key: Buffer.alloc(0),
    value: Buffer.alloc(300, 1),
    headers: [
      ['ü', null],
      ['', Buffer.alloc(0)],
    ],
    timestamp: 1_699_999_999_990,
  },
];

function plain(records: RecordInput[]): unknown[] {
  return records.map((r) => ({
    key: r.key === null ? null : Buffer.from(r.key).toString('hex'),
    value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
    headers: (r.headers ?? []).map(([k, v]) => [k, v === null ? null : Buffer.from(v).toString('hex')]),
    timestamp: r.timestamp,
  }));
}

describe('kafka record batch', () => {
  before(async () => {
    for (const c of ALL) codecs.set(c, await loadKafkaCodec(c));
  });

  it('lays out the magic-2 header', () => {
    const b = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: 7n, producerEpoch: 2, baseSequence: 10 });
    expect(b.readBigInt64BE(0)).to.equal(0n);
    expect(b.readInt32BE(8)).to.equal(b.length - 12);
    expect(b.readInt32BE(12)).to.equal(-1);
    expect(b[16]).to.equal(2);
    expect(b.readUInt32BE(17)).to.equal(crc32c(b, 21, b.length));
    expect(b.readInt16BE(21)).to.equal(0);
    expect(b.readInt32BE(23)).to.equal(2);
    expect(b.readBigInt64BE(27)).to.equal(1_700_000_000_000n);
    expect(b.readBigInt64BE(35)).to.equal(1_700_000_000_005n);
    expect(b.readBigInt64BE(43)).to.equal(7n);
    expect(b.readInt16BE(51)).to.equal(2);
    expect(b.readInt32BE(53)).to.equal(10);
    expect(b.readInt32BE(57)).to.equal(3);
    // first record: length 9? attributes 0, delta 0, offset delta 0, key -1, value 'v0', no headers
    expect(b.subarray(61, 61 + 9).toString('hex')).to.equal('10' + '00' + '00' + '00' + '01' + '04' + '7630' + '00');
  });

  it('sets compression and transactional bits in the attributes', () => {
    const b = encodeRecordBatch(
      { records: RECORDS, compression: 'lz4', producerId: -1, producerEpoch: -1, baseSequence: -1, transactional: true },
      codecOf('lz4'),
    );
    expect(b.readInt16BE(21)).to.equal(0x13);
  });

  for (const c of ALL) {
    it(`round-trips with ${c}`, () => {
      const b = encodeRecordBatch({ records: RECORDS, compression: c, producerId: 5, producerEpoch: 1, baseSequence: 0 }, codecOf(c));
      const [batch] = decodeRecordBatches(b, codecOf);
      expect(batch.compression).to.equal(c);
      expect(batch.producerId).to.equal(5n);
      expect(batch.producerEpoch).to.equal(1);
      expect(batch.baseSequence).to.equal(0);
      expect(batch.lastOffsetDelta).to.equal(2);
      expect(batch.isControl).to.equal(false);
      expect(batch.isTransactional).to.equal(false);
      expect(batch.timestampType).to.equal('create');
      expect(batch.records.map((r) => r.offset)).to.deep.equal([0n, 1n, 2n]);
      expect(plain(batch.records)).to.deep.equal(plain(RECORDS));
    });
  }

  it('gives absolute offsets from the base offset the broker wrote, across several batches', () => {
    const one = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 });
    const two = Buffer.from(one);
    // the base offset sits outside the CRC, so the broker can set it
    two.writeBigInt64BE(1000n, 0);
    const batches = decodeRecordBatches(Buffer.concat([one, two]), codecOf);
    expect(batches.map((b) => b.records.map((r) => r.offset))).to.deep.equal([
      [0n, 1n, 2n],
      [1000n, 1001n, 1002n],
    ]);
  });

  it('gives every record the max timestamp under log-append time', () => {
    const b = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 });
    b.writeInt16BE(0x08, 21);
    b.writeUInt32BE(crc32c(b, 21, b.length), 17);
    const [batch] = decodeRecordBatches(b, codecOf);
    expect(batch.timestampType).to.equal('logAppend');
    expect(batch.records.map((r) => r.timestamp)).to.deep.equal([1_700_000_000_005, 1_700_000_000_005, 1_700_000_000_005]);
  });

  it('restamps producer id, epoch and base sequence in place with a valid CRC, records untouched, for every codec', () => {
    for (const compression of ALL) {
      const b = encodeRecordBatch(
        { records: RECORDS, compression, producerId: 7n, producerEpoch: 0, baseSequence: 40 },
        compression === 'none' ? undefined : codecOf(compression),
      );
      restampRecordBatch(b, 123456789012n, 3, 0);
      const [batch] = decodeRecordBatches(b, codecOf);
      expect([batch.producerId, batch.producerEpoch, batch.baseSequence], compression).to.deep.equal([123456789012n, 3, 0]);
      expect(
        plain(batch.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }))),
        compression,
      ).to.deep.equal(plain(RECORDS));
    }
  });

  it('detects a corrupted byte through the CRC', () => {
    const b = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 });
    for (const at of [21, 40, 70, b.length - 1]) {
      const bad = Buffer.from(b);
      bad[at] ^= 0x40;
      expect(() => decodeRecordBatches(bad, codecOf), `byte ${at}`).to.throw(KafkaProtocolError, /CRC/);
    }
  });

  it('skips a truncated last batch, at any cut', () => {
    const one = encodeRecordBatch(
      { records: RECORDS, compression: 'gzip', producerId: -1, producerEpoch: -1, baseSequence: -1 },
      codecOf('gzip'),
    );
    const two = Buffer.concat([one, one]);
    for (let cut = one.length; cut < two.length; cut++) {
      const batches = decodeRecordBatches(two.subarray(0, cut), codecOf);
      expect(batches.length, `cut ${cut}`).to.equal(1);
    }
    expect(decodeRecordBatches(Buffer.alloc(0), codecOf)).to.deep.equal([]);
  });

  it('refuses other magics and an empty batch', () => {
    const b = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 });
    b[16] = 1;
    expect(() => decodeRecordBatches(b, codecOf)).to.throw(KafkaProtocolError, /magic/);
    expect(() => encodeRecordBatch({ records: [], compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 })).to.throw(
      KafkaProtocolError,
    );
  });

  for (const c of ALL) {
    it(`hands keys, values and header values as views of the ${c === 'none' ? 'fetched' : `${c}-decompressed`} bytes, not copies`, () => {
      const b = encodeRecordBatch({ records: RECORDS, compression: c, producerId: 5, producerEpoch: 1, baseSequence: 0 }, codecOf(c));
      const fetched = Buffer.concat([Buffer.alloc(3), b]).subarray(3);
      const [batch] = decodeRecordBatches(fetched, codecOf);
      const views = batch.records.flatMap((r) => [r.key, r.value, ...r.headers.map(([, v]) => v)]).filter((x) => x !== null);
      expect(views.length).to.equal(6);
      // one backing store for all: the fetch response itself, or the batch's one decompressed buffer
      const stores = new Set(views.map((v) => v!.buffer));
      expect(stores.size).to.equal(1);
      if (c === 'none') expect([...stores][0]).to.equal(fetched.buffer);
    });
  }

  it('gives null keys and values as null and a record without headers an empty, shared header list', () => {
    const records: RecordInput[] = [
      { key: null, value: null, timestamp: 5 },
      { key: null, value: Buffer.from('v'), timestamp: 6 },
      { key: Buffer.from('k'), value: null, headers: [['a', null]], timestamp: 7 },
    ];
    const [batch] = decodeRecordBatches(
      encodeRecordBatch({ records, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 }),
      codecOf,
    );
    expect(batch.records.map((r) => [r.key, r.value?.toString() ?? null])).to.deep.equal([
      [null, null],
      [null, 'v'],
      [Buffer.from('k'), null],
    ]);
    expect(batch.records[0].headers).to.deep.equal([]);
    expect(batch.records[0].headers).to.equal(batch.records[1].headers);
    expect(Object.isFrozen(batch.records[0].headers)).to.equal(true);
    expect(batch.records[2].headers).to.deep.equal([['a', null]]);
  });

  it('reads timestamp deltas of every width, negative ones and those past seven varint bytes included', () => {
    const base = 2 ** 51;
    const deltas = [0, 1, -1, 63, -65, 8191, 2 ** 28, -(2 ** 35), 2 ** 48 - 1, -(2 ** 48), 2 ** 49, -(2 ** 50), 2 ** 51];
    const records: RecordInput[] = deltas.map((d) => ({ key: null, value: Buffer.from([1]), timestamp: base + d }));
    const [batch] = decodeRecordBatches(
      encodeRecordBatch({ records, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 }),
      codecOf,
    );
    expect(batch.records.map((r) => r.timestamp - base)).to.deep.equal(deltas);
  });

  it('decodes a control batch (a transaction marker) and flags it, its key a view of the fetched bytes', () => {
    // a COMMIT marker as the broker writes it: key version 0 type 1, value version 0 and coordinator epoch 3
    const b = encodeRecordBatch({
      records: [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 3]), timestamp: 9 }],
      compression: 'none',
      producerId: 42n,
      producerEpoch: 0,
      baseSequence: -1,
      transactional: true,
    });
    b.writeInt16BE(b.readInt16BE(21) | 0x20, 21);
    b.writeUInt32BE(crc32c(b, 21, b.length), 17);
    const [batch] = decodeRecordBatches(b, codecOf);
    expect([batch.isControl, batch.isTransactional, batch.producerId]).to.deep.equal([true, true, 42n]);
    expect(batch.records[0].key!.readInt16BE(2)).to.equal(1);
    expect(batch.records[0].key!.buffer).to.equal(b.buffer);
  });

  it('refuses a record whose fields run past its length or the batch', () => {
    const b = encodeRecordBatch({ records: RECORDS, compression: 'none', producerId: -1, producerEpoch: -1, baseSequence: -1 });
    for (const length of [0, 1, 200]) {
      const bad = Buffer.from(b);
      // the first record's length varint (one byte, zigzag)
      bad[61] = length * 2;
      bad.writeUInt32BE(crc32c(bad, 21, bad.length), 17);
      expect(() => decodeRecordBatches(bad, codecOf), `length ${length}`).to.throw(KafkaProtocolError);
    }
  });

  it('round-trips random batches with every codec', () => {
    const bytes = fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null });
    const record = fc.record({
      key: bytes,
      value: bytes,
      headers: fc.array(fc.tuple(fc.string({ maxLength: 10 }), bytes), { maxLength: 3 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.constantFrom(...ALL), (records, c) => {
        const b = encodeRecordBatch({ records, compression: c, producerId: 1n, producerEpoch: 0, baseSequence: 3 }, codecOf(c));
        const [batch] = decodeRecordBatches(b, codecOf);
        expect(plain(batch.records)).to.deep.equal(plain(records));
        expect(batch.maxTimestamp).to.equal(Math.max(...records.map((r) => r.timestamp)));
      }),
      { numRuns: 200 },
    );
  });

  it('string keys are written as their UTF-8 bytes, byte for byte as the same key given as a Buffer', () => {
    const keys = ['k1', 'ü-schlüssel', '', '🙂'.repeat(50)];
    const asText: RecordInput[] = keys.map((k, i) => ({
      key: k,
      value: Buffer.from(`v${i}`),
      headers: [['h', null]],
      timestamp: 1_700_000_000_000 + i,
    }));
    const asBytes: RecordInput[] = asText.map((r) => ({ ...r, key: Buffer.from(r.key as string, 'utf8') }));
    for (const c of ['none', 'lz4'] as KafkaCompression[]) {
      const a = encodeRecordBatch({ records: asText, compression: c, producerId: 1n, producerEpoch: 0, baseSequence: 0 }, codecOf(c));
      const b = encodeRecordBatch({ records: asBytes, compression: c, producerId: 1n, producerEpoch: 0, baseSequence: 0 }, codecOf(c));
      expect(a.equals(b)).to.equal(true);
      expect(decodeRecordBatches(a, codecOf)[0].records.map((r) => r.key!.toString('utf8'))).to.deep.equal(keys);
    }
  });

  describe('buffer reuse on the send path', () => {
    const big: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(1024, 'x'),
      timestamp: 1_700_000_000_000 + i,
    }));

    // takes from a recorded list so a test sees which space the batch ends in
    function recordingPool() {
      const taken: Buffer[] = [];
      const given: Buffer[] = [];
      return {
        taken,
        given,
        take: (n: number) => (taken.push(Buffer.alloc(n, 0xee)), taken[taken.length - 1]),
        give: (b: Buffer) => given.push(b),
      };
    }

    it('lz4 batch compressed into pooled space: the frame is written after the header, not copied a second time', () => {
      const pool = recordingPool();
      // a frame made apart and then copied would come from compress()
      const lz4InPlace: KafkaCodec = {
        ...codecOf('lz4'),
        compress: () => {
          throw new Error('compress() was called: the frame would be copied into the batch');
        },
      };
      const b = encodeRecordBatch(
        { records: big, compression: 'lz4', producerId: 9n, producerEpoch: 0, baseSequence: 0 },
        lz4InPlace,
        pool.take,
        pool.give,
      );
      // one space for the plain records (given back), one for the batch itself, nothing else
      expect(pool.taken).to.have.length(2);
      expect(pool.given).to.have.length(1);
      expect(pool.given[0].buffer).to.equal(pool.taken[0].buffer);
      expect(b.buffer).to.equal(pool.taken[1].buffer);
      expect(b.byteOffset).to.equal(pool.taken[1].byteOffset);
      expect(b.readInt32BE(8)).to.equal(b.length - 12);
      expect(b.readUInt32BE(17)).to.equal(crc32c(b, 21, b.length));
      expect(plain(decodeRecordBatches(b, codecOf)[0].records)).to.deep.equal(plain(big));
    });

    for (const c of ['gzip', 'snappy', 'zstd'] as KafkaCompression[]) {
      it(`${c} batch ends in pooled space too (its frame copied there once)`, () => {
        const pool = recordingPool();
        const b = encodeRecordBatch(
          { records: big, compression: c, producerId: 9n, producerEpoch: 0, baseSequence: 0 },
          codecOf(c),
          pool.take,
          pool.give,
        );
        expect(pool.taken).to.have.length(2);
        expect(b.buffer).to.equal(pool.taken[1].buffer);
        expect(b.readInt32BE(8)).to.equal(b.length - 12);
        expect(plain(decodeRecordBatches(b, codecOf)[0].records)).to.deep.equal(plain(big));
      });
    }
  });
});

import { expect } from 'chai';
import { committedBatches, CONTROL_TYPE_ABORT } from '../../../../protocol/kafka/aborted-transactions';
import type { DecodedBatch } from '../../../../protocol/kafka/record-batch';

// A batch of `count` records from `base`, of producer `pid`; a control batch holds one marker record.
function batch(base: number, count: number, pid: number, kind: 'plain' | 'txn' | 'abort' | 'commit'): DecodedBatch {
  const control = kind === 'abort' || kind === 'commit';
  const markerKey = Buffer.alloc(4);
  markerKey.writeInt16BE(kind === 'abort' ? CONTROL_TYPE_ABORT : 1, 2);
  return {
    baseOffset: BigInt(base),
    partitionLeaderEpoch: 0,
    compression: 'none',
    timestampType: 'create',
    isTransactional: kind !== 'plain',
    isControl: control,
    lastOffsetDelta: count - 1,
    baseTimestamp: 0,
    maxTimestamp: 0,
    producerId: BigInt(pid),
    producerEpoch: 0,
    baseSequence: 0,
    records: Array.from({ length: count }, (_, i) => ({
      offset: BigInt(base + i),
      timestamp: 0,
      key: control ? markerKey : null,
      value: Buffer.from(`${pid}@${base + i}`),
      headers: [],
    })),
  };
}
const offsets = (bs: DecodedBatch[]) => bs.flatMap((b) => b.records.map((r) => Number(r.offset)));

describe('protocol/kafka read_committed: aborted transactions', () => {
  it('skips the batches of an aborted transaction up to its ABORT marker, and every control batch', () => {
    const batches = [
      batch(0, 2, 7, 'txn'), // committed below
      batch(2, 2, 8, 'txn'), // aborted (first offset 2)
      batch(4, 1, 9, 'plain'),
      batch(5, 1, 7, 'commit'),
      batch(6, 2, 8, 'txn'), // the same aborted transaction
      batch(8, 1, 8, 'abort'),
      batch(9, 2, 8, 'txn'), // producer 8's next transaction, committed
      batch(11, 1, 8, 'commit'),
    ];
    expect(offsets(committedBatches(batches, [{ producerId: 8n, firstOffset: 2n }]))).to.deep.equal([0, 1, 4, 9, 10]);
    // read_uncommitted keeps them all but the markers: the caller skips control batches itself
    expect(offsets(committedBatches(batches, [])).length).to.equal(9);
  });

  it('an aborted transaction listed out of order, or beginning inside a batch, still applies from its first offset', () => {
    const batches = [
      batch(0, 3, 5, 'txn'),
      batch(3, 3, 6, 'txn'),
      batch(6, 1, 5, 'abort'),
      batch(7, 1, 6, 'abort'),
      batch(8, 2, 6, 'plain'),
    ];
    const aborted = [
      { producerId: 6n, firstOffset: 3n },
      { producerId: 5n, firstOffset: 1n },
    ];
    expect(offsets(committedBatches(batches, aborted))).to.deep.equal([8, 9]);
  });

  it('a transaction aborted after this response (first offset beyond it) does not touch the batches before', () => {
    expect(offsets(committedBatches([batch(0, 2, 5, 'txn')], [{ producerId: 5n, firstOffset: 10n }]))).to.deep.equal([0, 1]);
    expect(offsets(committedBatches([batch(0, 2, 5, 'txn')], null))).to.deep.equal([0, 1]);
  });
});

import { expect } from 'chai';
import { pickPartition, stickyAfter, StickyPartition } from '../../../strategies';

// Kafka's uniform sticky rule (KIP-794): keyless records stay on one partition until batch-size bytes went to it.
describe('sticky partition for keyless records (Kafka built-in partitioner)', () => {
  it('stays on its partition below the batch size and picks anew once the bytes reach it', () => {
    let picks = 0;
    const pick = () => ++picks;
    let s: StickyPartition = { partition: 0, bytes: 0 };
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push(s.partition);
      s = stickyAfter(s, 300, 1000, pick);
    }
    // 300 bytes each: the 4th record brings 1200 >= 1000, so the next record goes to the new pick
    expect(seen).to.deep.equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    expect(s).to.deep.equal({ partition: 2, bytes: 600 });
  });

  it('a record as large as the batch moves it on at once; the count restarts at the new partition', () => {
    const s = stickyAfter({ partition: 3, bytes: 10 }, 5000, 1000, () => 1);
    expect(s).to.deep.equal({ partition: 1, bytes: 0 });
    expect(stickyAfter({ partition: 3, bytes: 0 }, 999, 1000, () => 1)).to.deep.equal({ partition: 3, bytes: 999 });
    expect(stickyAfter({ partition: 3, bytes: 999 }, 1, 1000, () => 1)).to.deep.equal({ partition: 1, bytes: 0 });
  });

  it('picks only among the candidates (partitions with a leader), or among all when none is', () => {
    const counts = new Map<number, number>();
    let i = 0;
    // "random" numbers spread evenly over [0, 1)
    const random = () => (i++ % 10) / 10;
    for (let i = 0; i < 300; i++) {
      const p = pickPartition([1, 3], 4, random);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).to.deep.equal([1, 3]);
    expect([...counts.values()]).to.deep.equal([150, 150]);
    expect(pickPartition([], 4, () => 0.99)).to.equal(3);
    expect(pickPartition([], 4, () => 0)).to.equal(0);
  });
});

import { expect } from 'chai';
import { Tally } from '../../../chaos/readback';
import { Ledger, parsePayload, payloadOf } from '../../../chaos/workload';
import { random } from '../../../chaos/faults';

// The chaos run's verdict is only as good as its counting: each kind of fault it must see.

const KEYS = 2;
const msg = (key: number, seq: number) => payloadOf('r1', key, seq, 40);

/** six sends: keys 0 and 1, seqs 0..2; message i is key i % 2, seq floor(i / 2) */
function ledger(rejected: number[] = []): Ledger {
  const l = new Ledger(6);
  for (let i = 0; i < 6; i++) l.settle(i, rejected.includes(i) ? Object.assign(new Error('t'), { code: 'TIMEOUT' }) : undefined);
  return l;
}

describe('chaos/tally', () => {
  it('a clean read-back counts nothing wrong', () => {
    const t = new Tally('r1', KEYS, ledger());
    for (let i = 0; i < 6; i++) t.add(msg(i % 2, Math.floor(i / 2)), `0:1:${i}`);
    const v = t.finish();
    expect([v.read, v.lost, v.duplicated, v.orderViolations, v.rejectedButStored]).to.deep.equal([6, 0, 0, 0, 0]);
  });

  it('counts a resolved send that is absent as lost and names it', () => {
    const t = new Tally('r1', KEYS, ledger());
    for (let i = 0; i < 6; i++) if (i !== 3) t.add(msg(i % 2, Math.floor(i / 2)), 'x');
    const v = t.finish();
    expect(v.lost).to.equal(1);
    expect(v.examples.lost).to.deep.equal(['1/1']);
  });

  it('counts a second copy as duplicated, not as an order violation', () => {
    const t = new Tally('r1', KEYS, ledger());
    for (const [k, s] of [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ])
      t.add(msg(k, s), 'x');
    const v = t.finish();
    expect([v.duplicated, v.orderViolations, v.lost]).to.deep.equal([1, 0, 0]);
  });

  it('counts an earlier seq read after a later one of the same key as an order violation', () => {
    const t = new Tally('r1', KEYS, ledger());
    for (const [k, s] of [
      [0, 0],
      [0, 2],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
    ])
      t.add(msg(k, s), 'x');
    const v = t.finish();
    expect(v.orderViolations).to.equal(1);
    expect(v.examples.order).to.deep.equal(['0/1 after 2 (x)']);
  });

  it('counts a send reported failed but stored, and no loss for a failed send that is absent', () => {
    const t = new Tally('r1', KEYS, ledger([2, 5]));
    for (let i = 0; i < 5; i++) t.add(msg(i % 2, Math.floor(i / 2)), 'x');
    const v = t.finish();
    expect([v.rejectedButStored, v.lost]).to.deep.equal([1, 0]);
  });

  it('sets probes and other runs apart', () => {
    const t = new Tally('r1', KEYS, ledger());
    t.add(Buffer.from('probe|0'), 'x');
    t.add(payloadOf('r2', 0, 0, 40), 'x');
    expect([t.v.others, t.v.read]).to.deep.equal([2, 0]);
  });

  it('payloads name their key and seq', () => {
    expect(parsePayload('r1', payloadOf('r1', 17, 42, 100))).to.deep.equal([17, 42]);
    expect(payloadOf('r1', 17, 42, 100).length).to.equal(100);
  });

  it('the ledger counts rejections by code and broker error', () => {
    const l = new Ledger(3);
    l.settle(0, Object.assign(new Error('a'), { code: 'TIMEOUT' }));
    l.settle(1, Object.assign(new Error('b'), { code: 'BROKER', serverError: 'PersistenceError' }));
    l.settle(1); // a second settle of the same send is ignored
    expect(Object.fromEntries(l.rejectedBy)).to.deep.equal({ TIMEOUT: 1, 'BROKER PersistenceError': 1 });
    expect([l.settled, l.resolved]).to.deep.equal([2, 0]);
  });

  it('fault moments repeat for a seed', () => {
    const a = random(7);
    const b = random(7);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).to.deep.equal(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
  });
});

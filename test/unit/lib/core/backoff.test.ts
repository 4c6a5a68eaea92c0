import { expect } from 'chai';
import * as sinon from 'sinon';
import { Backoff } from '../../../../lib/core/backoff';

describe('lib/backoff', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ toFake: ['Date'] })));
  afterEach(() => clock.restore());

  /** Takes delays one after another as a reconnect loop would, returning when each retry fell due. */
  function retries(b: Backoff, n: number): number[] {
    const t0 = Date.now();
    const due: number[] = [];
    for (let i = 0; i < n; i++) {
      clock.tick(b.next());
      due.push(Date.now() - t0);
    }
    return due;
  }

  it('doubles from 100 ms to its cap, each delay at most 10% shorter', () => {
    const b = new Backoff(100, 30_000);
    const delays = Array.from({ length: 12 }, () => b.next());
    const bases = [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000];
    delays.forEach((d, i) => expect(d).to.be.within(bases[i] * 0.9, bases[i]));
  });

  it('a mandatory stop makes one retry fall due by the stop, then doubling goes on; reset arms it again', () => {
    const b = new Backoff(100, 30_000, 29_900);
    const due = retries(b, 10);
    // 8 doublings add up to about 25.5 s; the 9th delay (25.6 s) is cut to end by 29.9 s
    expect(due[8]).to.be.within(29_000, 29_900);
    expect(due[9] - due[8]).to.be.at.least(30_000 * 0.9);
    b.reset();
    expect(retries(b, 9)[8]).to.be.within(29_000, 29_900);
  });

  it('without a mandatory stop the 9th retry comes only after about 51 s', () => {
    expect(retries(new Backoff(100, 30_000), 9)[8]).to.be.above(45_000);
  });
});

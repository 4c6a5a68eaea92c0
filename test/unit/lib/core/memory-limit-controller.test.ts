import { expect } from 'chai';
import { MemoryLimitController } from '../../../../lib/core/memory-limit-controller';

describe('lib/memory-limit-controller', () => {
  it('reserves up to the limit and refuses beyond it', () => {
    const m = new MemoryLimitController(100);
    expect(m.tryReserve(60)).to.equal(true);
    expect(m.tryReserve(50)).to.equal(false);
    expect(m.tryReserve(40)).to.equal(true);
    expect(m.usedBytes).to.equal(100);
    m.release(100);
    expect(m.usedBytes).to.equal(0);
  });

  it('lets one message larger than the limit through only when nothing else is held', () => {
    const m = new MemoryLimitController(100);
    expect(m.tryReserve(500)).to.equal(true);
    expect(m.tryReserve(1)).to.equal(false);
    m.release(500);
    expect(m.tryReserve(1)).to.equal(true);
  });

  it('grants waiters in the order they asked, and nobody jumps the line', async () => {
    const m = new MemoryLimitController(100);
    m.tryReserve(100);
    const order: number[] = [];
    const a = m.reserve(70).then(() => order.push(1));
    const b = m.reserve(30).then(() => order.push(2));
    expect(m.tryReserve(1)).to.equal(false); // others wait ahead
    m.release(50);
    await Promise.resolve();
    expect(order).to.deep.equal([]);
    m.release(50);
    await Promise.all([a, b]);
    expect(order).to.deep.equal([1, 2]);
    expect(m.usedBytes).to.equal(100);
  });

  it('fails waiters when the client closes, and 0 means no limit', async () => {
    const m = new MemoryLimitController(10);
    m.tryReserve(10);
    const w = m.reserve(5).catch((e: Error) => e.message);
    m.rejectWaiters(new Error('closed'));
    expect(await w).to.equal('closed');
    const free = new MemoryLimitController(0);
    expect(free.tryReserve(1e12)).to.equal(true);
  });
});

import { expect } from 'chai';
import { WorkerManager, workerName } from '../../../../lib/core/worker-manager';

describe('lib/worker-manager', () => {
  it('names workers as Kaffe does', () => {
    expect(workerName('worker_per_topic_partition', 'orders', 3)).to.equal('worker_orders_3');
    expect(workerName('worker_per_partition', 'orders', 3)).to.equal('worker_3');
  });

  it('creates a worker on first use and reuses it (worker_per_topic_partition)', () => {
    const m = new WorkerManager('worker_per_topic_partition');
    const a = m.workerFor('t1', 0);
    expect(m.workerFor('t1', 0)).to.equal(a);
    expect(m.workerFor('t1', 1)).to.not.equal(a);
    expect(m.workerFor('t2', 0)).to.not.equal(a);
    expect(m.size).to.equal(3);
    expect(m.names().sort()).to.deep.equal(['worker_t1_0', 'worker_t1_1', 'worker_t2_0']);
  });

  it('shares one worker per partition number across topics (worker_per_partition)', () => {
    const m = new WorkerManager('worker_per_partition');
    expect(m.workerFor('t1', 2)).to.equal(m.workerFor('t2', 2));
    expect(m.workerFor('t1', 1)).to.not.equal(m.workerFor('t1', 2));
    expect(m.names().sort()).to.deep.equal(['worker_1', 'worker_2']);
  });
});

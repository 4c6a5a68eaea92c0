import type { WorkerAllocation } from './config';
import { Worker } from './worker';

/** Kaffe's worker naming: one worker per topic-partition, or one per partition number across topics. */
export function workerName(allocation: WorkerAllocation, topic: string, partition: number): string {
  return allocation === 'worker_per_partition' ? `worker_${partition}` : `worker_${topic}_${partition}`;
}

/** A table of workers keyed by name, like Kaffe's ETS table: created on first use, then reused. */
export class WorkerManager {
  private readonly workers = new Map<string, Worker>();

  constructor(readonly allocation: WorkerAllocation) {}

  workerFor(topic: string, partition: number): Worker {
    const name = workerName(this.allocation, topic, partition);
    let w = this.workers.get(name);
    if (!w) {
      w = new Worker(name);
      this.workers.set(name, w);
    }
    return w;
  }

  get size(): number {
    return this.workers.size;
  }

  names(): string[] {
    return [...this.workers.keys()];
  }

  all(): IterableIterator<Worker> {
    return this.workers.values();
  }

  clear(): void {
    this.workers.clear();
  }
}

import type { WorkerAllocation } from './config';
import { Worker } from './worker';

/** Kaffe's worker naming: one worker per topic-partition, or one per partition number across topics. */
export function workerName(allocation: WorkerAllocation, topic: string, partition: number): string {
  return allocation === 'worker_per_partition' ? `worker_${partition}` : `worker_${topic}_${partition}`;
}

/** A table of workers keyed by name, like Kaffe's ETS table: created on first use, then reused. */
export class WorkerManager<W = Worker> {
  private readonly workers = new Map<string, W>();

  constructor(
    readonly allocation: WorkerAllocation,
    private readonly create: (name: string) => W = (name) => new Worker(name) as W,
  ) {}

  workerFor(topic: string, partition: number): W {
    const name = workerName(this.allocation, topic, partition);
    let w = this.workers.get(name);
    if (!w) {
      w = this.create(name);
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

  all(): IterableIterator<W> {
    return this.workers.values();
  }

  clear(): void {
    this.workers.clear();
  }
}

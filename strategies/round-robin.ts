import type { PartitionStrategy } from './types';

/** Kaffe's per-topic cycle: the partition after the current one, wrapping (and restarting after a shrink). */
export const roundRobin: PartitionStrategy = (_topic, current, count) => (current >= 0 && current < count - 1 ? current + 1 : 0);

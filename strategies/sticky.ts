// Kafka's built-in partitioner for records without a key (KIP-794, the uniform sticky partitioner
// of Kafka 3.3+): they stay on one partition until a batch's worth of bytes went to it, then move
// to a partition picked at random.

/** A topic's sticky partition and the bytes sent to it since it was picked. */
export interface StickyPartition {
  readonly partition: number;
  readonly bytes: number;
}

/** The state once a keyless record of `size` bytes went to `s.partition`: a new pick after `batchBytes` bytes. */
export function stickyAfter(s: StickyPartition, size: number, batchBytes: number, pick: () => number): StickyPartition {
  const bytes = s.bytes + size;
  return bytes >= batchBytes ? { partition: pick(), bytes: 0 } : { partition: s.partition, bytes };
}

/** A uniform pick among `candidates` (partition indexes), or among all `count` partitions when there are none. */
export function pickPartition(candidates: readonly number[], count: number, random: () => number = Math.random): number {
  if (candidates.length === 0) return Math.floor(random() * count);
  return candidates[Math.floor(random() * candidates.length)];
}

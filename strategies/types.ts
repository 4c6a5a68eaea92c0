export type Key = string | Uint8Array | null | undefined;
export type Value = string | Uint8Array | null | undefined;

/** Kaffe's documented strategy arguments; returns the partition index in [0, partitionsCount). */
export type PartitionStrategy = (topic: string, currentPartition: number, partitionsCount: number, key: Key, value: Value) => number;

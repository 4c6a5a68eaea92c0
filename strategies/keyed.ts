import { roundRobin } from './round-robin';
import type { Key, PartitionStrategy } from './types';

/** A hash strategy that sends keyless messages round robin per topic, as the Pulsar Java client does. */
export function keyed(hash: (key: NonNullable<Key>, count: number) => number): PartitionStrategy {
  return (topic, current, count, key, value) =>
    key === null || key === undefined ? roundRobin(topic, current, count, key, value) : hash(key, count);
}

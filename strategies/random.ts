import type { PartitionStrategy } from './types';

/** Uniform over all partitions (Kaffe's random; pulsar-elixir's choice for keyless messages). */
export const random: PartitionStrategy = (_topic, _current, count) => Math.floor(Math.random() * count);

import { boostHashStrategy } from './boost-hash';
import { javaStringHashStrategy } from './java-string-hash';
import { md5 } from './md5';
import { murmur2Strategy } from './murmur2';
import { murmur3Strategy } from './murmur3-32';
import { phash2Strategy } from './phash2';
import { random } from './random';
import { roundRobin } from './round-robin';
import type { PartitionStrategy } from './types';

export type { Key, Value, PartitionStrategy } from './types';
export { md5Sum } from './md5';
export { murmur3_32, murmur3Of } from './murmur3-32';
export { javaStringHash } from './java-string-hash';
export { phash2, phash2Hash } from './phash2';
export { murmur2, murmur2Of } from './murmur2';
export { boostHash64Low, boostHashOf } from './boost-hash';
export { pulsarKey } from './pulsar-key';
export { stickyAfter, pickPartition, type StickyPartition } from './sticky';

export const STRATEGY_NAMES = [
  'md5',
  'round_robin',
  'random',
  'murmur3_32',
  'java_string_hash',
  'phash2',
  'murmur2',
  'boost_hash',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Every named partition strategy. */
export const partitionStrategies: Readonly<Record<StrategyName, PartitionStrategy>> = Object.freeze({
  md5,
  round_robin: roundRobin,
  random,
  murmur3_32: murmur3Strategy,
  java_string_hash: javaStringHashStrategy,
  phash2: phash2Strategy,
  murmur2: murmur2Strategy,
  boost_hash: boostHashStrategy,
});

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

/** Whether a strategy's result is a usable partition: an integer in [0, partitionsCount). */
export function checkPartition(result: unknown, partitionsCount: number): result is number {
  return typeof result === 'number' && Number.isInteger(result) && result >= 0 && result < partitionsCount;
}

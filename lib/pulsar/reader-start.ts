import type { ConsumerConfig } from '../core/consumer-config';
import type { StartPosition } from './start-position';

// A Reader's start travels beside its consumer's config (not an option a Consumer takes), keyed by that config.
const starts = new WeakMap<ConsumerConfig, StartPosition>();

export function setReaderStart(config: ConsumerConfig, start: StartPosition): void {
  starts.set(config, start);
}

export function readerStartOf(config: ConsumerConfig): StartPosition | undefined {
  return starts.get(config);
}

import type { HandlerStateEvent } from './diagnostics';
import type { CortadoError } from './errors';
import type { Message } from './received-message';

/** Where a per-partition producer or consumer stands; carried by connected/reconnecting/fenced. */
export interface PartitionEvent {
  /** the topic as the app named it */
  topic: string;
  /** partition index; 0 for a non-partitioned topic */
  partition: number;
}

export interface ReconnectingEvent extends PartitionEvent {
  /** why the registration was lost, when known */
  error?: CortadoError;
}

export interface PartitionsChangedEvent {
  topic: string;
  /** partition count before and after */
  from: number;
  to: number;
}

/** The topics a pattern consumer subscribed or dropped (full names; a partitioned topic once). */
export interface TopicsChangedEvent {
  added: string[];
  removed: string[];
}

/**
 * Events of a Producer (`producer.on('connected', (e) => ...)`), as tuples of listener arguments.
 * - `connected`: a partition's producer registered on its broker (first time or after a loss)
 * - `reconnecting`: it lost its broker and is registering again; sends wait, then go in order
 * - `fenced`: an exclusive producer took the topic over; this partition sends no more
 * - `partitionsChanged`: the partition refresh found more partitions; routing uses them now
 * - `error`: a failure with no call to report it to (a failed background reconnect, a strategy
 *   error in the refresh). Emitted only when it has a listener, so an unheard failure never throws.
 */
export interface ProducerEvents {
  connected: [event: PartitionEvent];
  reconnecting: [event: ReconnectingEvent];
  fenced: [event: PartitionEvent & { error: CortadoError }];
  partitionsChanged: [event: PartitionsChangedEvent];
  error: [error: CortadoError];
}

/**
 * Events of a Consumer: the producer's `connected`, `reconnecting`, `partitionsChanged` and
 * `error` (also: the consumer group fenced this consumer, a `ConsumerFencedError`), plus `partitionFailed`,
 * - `skip`: an entry that could not become a message (bad checksum, undecodable, lost chunk)
 * - `handlerError`: handleMessages threw or timed out; the messages are negatively acknowledged
 * - `endOfTopic`: a partition's topic was terminated and everything in it was read
 * - `topicsChanged`: a `topicsPattern` consumer subscribed topics created since, or dropped deleted ones
 */
export interface ConsumerEvents {
  connected: [event: PartitionEvent];
  reconnecting: [event: ReconnectingEvent];
  partitionsChanged: [event: PartitionsChangedEvent];
  error: [error: CortadoError];
  skip: [reason: string, topic: string, partition: number];
  handlerError: [error: Error, messages: Message[]];
  endOfTopic: [topic: string, partition: number];
  /** the broker refused a resubscribe for good (a terminal error after the partition was ready) */
  partitionFailed: [error: CortadoError, topic: string, partition: number];
  topicsChanged: [event: TopicsChangedEvent];
}

export type ProducerEventName = keyof ProducerEvents;
export type ConsumerEventName = keyof ConsumerEvents;

/** What the handler-state bridge emits on: a Producer or a Consumer. */
interface PartitionEventSink {
  emit(event: 'connected', e: PartitionEvent): boolean;
  emit(event: 'reconnecting', e: ReconnectingEvent): boolean;
  emit(event: 'fenced', e: PartitionEvent & { error: CortadoError }): boolean;
  emit(event: 'error', err: CortadoError): boolean;
  listenerCount(event: string): number;
}

/**
 * The `onStateChange` of one partition's handler (HandlerContext): ready is `connected`, a loss
 * after ready is `reconnecting`, a fence is `fenced`, another terminal failure is `error`
 * (emitted only when someone listens, so an unheard failure never throws).
 */
export function partitionEvents(sink: PartitionEventSink, topic: string, partition: number): (change: HandlerStateEvent) => void {
  return (change) => {
    if (change.to === 'ready') sink.emit('connected', { topic, partition });
    else if (change.from === 'ready' && change.to === 'connecting') sink.emit('reconnecting', { topic, partition, error: change.error });
    else if (change.to === 'failed' && change.error) {
      if (change.error.code === 'PRODUCER_FENCED') sink.emit('fenced', { topic, partition, error: change.error });
      else if (sink.listenerCount('error') > 0) sink.emit('error', change.error);
    }
  };
}

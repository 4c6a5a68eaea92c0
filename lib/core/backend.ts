// The seam: the one interface the façade (Producer, Consumer, Client) uses to reach an engine.
// Written in the façade's words; lib/pulsar (and later lib/kafka) implement it, and lib/core
// imports neither.
import type { z } from 'zod';
import type { BufferPool } from './buffer-pool';
import type { ClientConfig, ConsumerConfig, ProducerConfig } from './shapes';
import type { HandlerStateEvent } from './diagnostics';
import type { CortadoError } from './errors';
import type { Log } from './logger';
import type { MemoryLimitController } from './memory-limit-controller';
import type { OutgoingMessage } from './message';
import type { Message } from './received-message';
import type { Receipt } from './receipt';

/** The line a sink's messages wait in while it is not ready (the façade's Worker). */
export interface SinkLine {
  /** moves queued messages on to their sinks until one is not ready */
  drain(): void;
  /** fails `sink`'s queued messages whose deadline is at or before `now` (all without `now`); returns the earliest deadline left */
  failQueued(sink: PartitionSink, error: () => Error, now?: number): number;
  /** the ticket of `sink`'s oldest unsettled message in the line, or Infinity */
  oldestUnsettled(sink: PartitionSink): number;
}

/**
 * One topic-partition's way to the broker: takes messages in the order the worker hands them
 * over and settles each message's promise (resolve with the receipt, or reject with a typed error).
 */
export interface PartitionSink {
  /** the topic as the app named it */
  readonly topic: string;
  readonly partition: number;
  /** the backend's own name of this partition, unique within a worker */
  readonly topicName: string;
  /** registered and able to take a message now */
  readonly ready: boolean;
  /** set once it failed; a `canRetry` failure may be replaced by a new sink */
  readonly failure?: CortadoError;
  /** the worker whose line feeds it (set when the worker attaches it) */
  worker?: SinkLine;
  start(): Promise<void>;
  close(): Promise<void>;
  /** sends what is batched now; resolves once everything handed over so far has settled */
  whenFlushed(): Promise<void>;
  /** takes room for a message of `size` bytes under maxPendingMessages and the memory limit, or says no */
  tryAdmit(size: number): boolean;
  /** waits for room (blockIfQueueFull) */
  admit(size: number): Promise<void>;
  queueFullError(size: number): CortadoError;
  /** the running count flush() waits up to */
  issueTicket(): number;
  /** takes one message; called in send order, only when ready */
  write(msg: OutgoingMessage): void;
  /** a message waiting in the worker's line still times out by `deadline` */
  watch(deadline: number): void;
  failMessage(msg: OutgoingMessage, err: Error): void;
}

/** What a producer hands the backend for each sink it opens. */
export interface SinkHooks {
  memory: MemoryLimitController;
  bodies: BufferPool;
  onStateChange(change: HandlerStateEvent): void;
}

/** A producer's side of a backend: what is made once per producer (codec, schema), and its sinks. */
export interface ProducerSession {
  /** the value's bytes under the producer's schema; undefined when it has none (values go as they are) */
  encodeValue?(value: unknown): Uint8Array | undefined;
  openSink(topic: string, partition: number, partitioned: boolean, hooks: SinkHooks): PartitionSink;
  /** set where keyless records under `murmur2` are sticky (Kafka's built-in partitioner): the bytes a partition takes before the next pick */
  readonly stickyKeylessBytes?: number;
}

/** One topic-partition's subscription, as the façade sees it. */
export interface PartitionSource {
  /** unique within the consumer */
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  /** the topic was terminated and everything in it was read */
  readonly reachedEnd: boolean;
  start(): Promise<void>;
  /** closes by `deadline` (epoch ms; 0: no bound), flushing acknowledgements */
  close(deadline: number): Promise<void>;
  /** the app is about to get `m`: its flow credit goes back; false when `m` went stale (drop it) */
  handOver(m: Message): boolean;
  /** the app got `m` straight from delivery: its flow credit goes back */
  consumed(m: Message): void;
  ack(m: Message): void;
  ackCumulative(m: Message): void;
  nack(m: Message): void;
  /** resets the subscription to a receipt of this partition, or to a publish time (epoch ms); absent when the backend cannot */
  seek?(target: Receipt | number): Promise<void>;
  /** deletes the subscription on the broker and closes; absent when the backend cannot */
  unsubscribe?(deadline: number): Promise<void>;
  /** the receipt of the last message stored on this partition */
  lastMessageId?(): Promise<Receipt>;
  /** stops (and restarts) asking the broker for more messages */
  pause?(): void;
  resume?(): void;
  /** a message is received and not yet taken, or stored past what the app has taken */
  hasMessageAvailable?(): Promise<boolean>;
  /** sends `m` to be consumed again after `delayMs` (a retry letter), then acknowledges it; absent when the backend has no retry */
  reconsumeLater?(m: Message, delayMs: number): Promise<void>;
}

/** What a consumer hands the backend for each partition it subscribes to. */
export interface SourceHooks {
  /** messages of one partition, in order, for the app */
  deliver(source: PartitionSource, messages: Message[]): void;
  /** something that could not become a message (bad checksum, undecodable, lost chunk) */
  skip(source: PartitionSource, reason: string): void;
  endOfTopic(source: PartitionSource): void;
  /** the subscription ended for good after it had been ready */
  failed(source: PartitionSource, err: CortadoError): void;
  onStateChange(change: HandlerStateEvent): void;
}

/**
 * What a consumer hands a backend whose partitions a group assigns (Kafka): the source hooks,
 * plus word of partitions given to it and taken from it.
 */
export interface GroupHooks extends Omit<SourceHooks, 'onStateChange'> {
  onStateChange(source: PartitionSource, change: HandlerStateEvent): void;
  /** `source` was assigned to this consumer; the backend starts it */
  assigned(source: PartitionSource): void;
  /**
   * `sources` are being taken away: dispatch for them stops and their running handlers get up to
   * handlerTimeoutMs; resolves then, so the backend can commit and give them up.
   */
  revoked(sources: PartitionSource[]): Promise<void>;
  /** the group ended this consumer's membership for good (it was fenced, say): its partitions were taken and no more come */
  groupStopped(err: CortadoError): void;
}

/** One partition of a topic a pattern matched (index 0 and `partitioned` false for a topic that is not partitioned). */
export interface PartitionRef {
  topic: string;
  partition: number;
  partitioned: boolean;
}

/** What a consumer hands a backend that follows the topics a pattern matches. */
export interface TopicWatchHooks {
  /** partitions that appeared and went; resolves with those that could not be subscribed (offered again later) */
  changed(added: PartitionRef[], removed: PartitionRef[]): Promise<PartitionRef[]>;
}

/** A running watch of the topics a pattern matches. */
export interface TopicWatch {
  /** asks the broker for the whole list now and applies the difference */
  recheck(): Promise<void>;
  close(): Promise<void>;
}

/** A consumer's side of a backend. */
export interface ConsumerSession {
  /**
   * Present when the consumer subscribes by pattern (used instead of its topics): reports the
   * matching partitions found now through `hooks` before it resolves, then those added and removed.
   */
  watchTopics?(hooks: TopicWatchHooks): Promise<TopicWatch>;
  /** topics the session subscribes besides the configured ones (Pulsar's retry letter topic) */
  readonly extraTopics?: readonly string[];
  /**
   * Joins the group that assigns the partitions of `topics` (used instead of openSource when
   * present); resolves once the first assignment was handed over.
   */
  subscribe?(topics: string[], hooks: GroupHooks): Promise<void>;
  openSource(topic: string, partition: number, partitioned: boolean, hooks: SourceHooks): PartitionSource;
  /** the source a message came from, when this session received it */
  sourceOf(m: Message): PartitionSource | undefined;
  /** closes what the session opened beside its sources (after them), by `deadline` (epoch ms) */
  close?(deadline: number): Promise<void>;
}

/** The admin client of each registered backend, by backend name; each backend adds its own. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AdminTypes {}

/** An admin client of whichever backend the Client's URL chose. */
export type AnyAdmin = AdminTypes[keyof AdminTypes];

/** The Reader of each backend that has one, with its options, by backend name; each such backend adds its own. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReaderTypes {}

/** A Reader of whichever backend the Client's URL chose. */
export type AnyReader = ReaderTypes[keyof ReaderTypes] extends { reader: unknown } ? ReaderTypes[keyof ReaderTypes]['reader'] : never;
/** The options of that Reader. */
export type AnyReaderOptions = ReaderTypes[keyof ReaderTypes] extends { options: unknown }
  ? ReaderTypes[keyof ReaderTypes]['options']
  : never;

/** A backend opened for one Client: its connections, topic metadata cache and auth. */
export interface Backend {
  readonly name: string;
  readonly log: Log;
  /** a topic's partition count: 0 for a topic that is not partitioned (routed as one partition, index 0) */
  partitionCount(topic: string): Promise<number>;
  producerSession(config: ProducerConfig): Promise<ProducerSession>;
  consumerSession(config: ConsumerConfig): Promise<ConsumerSession>;
  /** an admin client with this client's TLS and authentication settings */
  admin(): AnyAdmin;
  /** closes every connection it opened */
  close(): Promise<void>;
}

/** Options a backend derives from the environment's own variables (a platform's), and where they came from. */
export interface DerivedOptions {
  options: Record<string, unknown>;
  /** names the source in messages, e.g. `SOME_URL (someMode)` */
  origin: string;
}

/** How a backend is known to the façade: its URL schemes, its own options, and how to open it. */
export interface BackendFactory {
  readonly name: string;
  /** URL schemes it serves, without `://` (e.g. `pulsar`, `pulsar+ssl`) */
  readonly schemes: readonly string[];
  /** the URL used when none is configured */
  readonly defaultUrl: string;
  /** options only this backend has, by the kind of object that takes them */
  readonly options: { client: z.ZodRawShape; producer: z.ZodRawShape; consumer: z.ZodRawShape };
  /** throws a ConfigError for a URL this backend cannot use */
  checkUrl(url: string): void;
  /**
   * Options derived from variables outside CORTADO_* (a hosting platform's), asked before any
   * backend is picked since they may carry the URL; explicit options win. Undefined when its mode is off.
   */
  deriveOptions?(code: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): DerivedOptions | undefined;
  /** checks a parsed producer config beyond single options (combinations, schema) */
  checkProducer?(config: ProducerConfig): void;
  /** checks a parsed consumer config beyond single options (combinations, schema) */
  checkConsumer?(config: ConsumerConfig): void;
  open(config: ClientConfig): Backend;
  /** the standalone admin client (`new Admin(options)`) for this backend's URLs, with its own connections */
  openAdmin?(options: Record<string, unknown>, env: NodeJS.ProcessEnv): AnyAdmin;
  /** whether `x` is this backend's admin client (`x instanceof Admin`) */
  isAdmin?(x: unknown): boolean;
  /** a Reader on `client` (the façade's ClientSession), when this backend has one */
  reader?(options: AnyReaderOptions, env: NodeJS.ProcessEnv, client: object): AnyReader;
}

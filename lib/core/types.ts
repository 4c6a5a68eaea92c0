import type { TokenSupplier } from '../auth/token';
// The public types of cortado, written by hand for the people who read them. The zod schemas in
// config.ts and consumer-config.ts validate the same options at run time; a unit test keeps the
// two in step (test/unit/lib/core/types.test.ts) and test/types/public-api.ts pins what tsc
// accepts. Options only one backend has are added to these interfaces by that backend
// (lib/pulsar/options.ts), and so are the receipt types of ReceiptTypes.
import type { CompressionName } from '../../protocol/compression';
import type { PartitionStrategy, StrategyName } from '../../strategies';
import type { ConsumerEvents, ProducerEvents } from './events';
import type { Logger, LogLevel } from './logger';
import type { Message } from './received-message';

export type { CompressionName, PartitionStrategy, StrategyName, Logger, LogLevel, ProducerEvents, ConsumerEvents };
export type { ErrorCode } from './errors';
export type { SendOptions, ProduceMessage, Value, KeyInput, SchemaValue } from './message';
export type { ProducerStats, ProducerPartitionStats, ConsumerStats, ConsumerPartitionStats, LatencyStats } from './stats';

/** How messages map to workers: one per topic-partition, or one per partition index shared by topics. */
export type WorkerAllocation = 'worker_per_topic_partition' | 'worker_per_partition';
export type InitialPositionName = 'earliest' | 'latest';

/**
 * Options every client has. Each is also read from `CORTADO_<OPTION>` (e.g.
 * `connectionTimeoutMs` from `CORTADO_CONNECTION_TIMEOUT_MS`); an option given in code wins.
 */
export interface ClientOptions {
  /**
   * Service URL; its scheme picks the backend: `pulsar://host:port` or `pulsar+ssl://host:port`,
   * several hosts comma-separated.
   * @default 'pulsar://127.0.0.1:6650'
   */
  url?: string;
  /** @default 10000 */
  connectionTimeoutMs?: number;
  /** Deadline of lookups, registrations and other requests. @default 30000 */
  operationTimeoutMs?: number;
  /** PING interval; a broker that sends nothing from one PING to the next is dropped. @default 30000 */
  keepAliveIntervalMs?: number;
  /** PEM file of the CA that signed the broker's certificate */
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Accept any broker certificate (testing only). @default false */
  tlsAllowInsecure?: boolean;
  /** Token for the broker's token authentication; never logged. */
  authToken?: string;
  /** PEM text of the CA (for platforms without files; CORTADO_TLS_CA) */
  tlsCa?: string;
  /** PEM text of the client certificate for mTLS (CORTADO_TLS_CERT) */
  tlsCert?: string;
  /** PEM text of the client key for mTLS; never logged (CORTADO_TLS_KEY) */
  tlsKey?: string;
  /** Check that the broker's certificate names the host; false keeps the CA check and warns. @default true */
  tlsHostnameVerification?: boolean;
  /** File holding the token, re-read on every connect and AUTH_CHALLENGE (rotation). */
  authTokenFile?: string;
  /** Called for a token on every connect and AUTH_CHALLENGE. */
  authTokenSupplier?: TokenSupplier;
  /** OAuth2 client credentials: the issuer whose .well-known/openid-configuration names the token endpoint */
  oauth2IssuerUrl?: string;
  /** JSON file with client_id and client_secret */
  oauth2CredentialsFile?: string;
  oauth2Audience?: string;
  oauth2Scope?: string;
  /**
   * Where log lines go: `console`, a pino logger, anything with debug/info/warn/error.
   * @default none: silent (console when `logLevel`/CORTADO_LOG_LEVEL is set)
   */
  logger?: Logger;
  /** Lowest level written; also read from CORTADO_LOG_LEVEL. @default info, when unset */
  logLevel?: LogLevel;
}

/** Options of `new Producer(options)`. */
export interface ProducerOptions extends ClientOptions {
  /** Topics analyzed at start(); the first is where produceSync(key, value) sends. @default [] */
  topics?: string[];
  /** A strategy name or a function (topic, current, partitions, key, value) => partition. @default 'md5' */
  partitionStrategy?: StrategyName | PartitionStrategy;
  /** @default 'worker_per_topic_partition' */
  workerAllocation?: WorkerAllocation;
  /** ms until a send without a receipt fails with a TimeoutError (with every send queued behind it); 0: no timeout, sends are resent until stored. @default 30000 */
  sendTimeoutMs?: number;
  /** @default 'none' */
  compression?: CompressionName;
  /** @default false */
  batchingEnabled?: boolean;
  /** @default 1000 */
  batchingMaxMessages?: number;
  /** @default 131072 */
  batchingMaxBytes?: number;
  /** ms a batch waits for more messages. @default 10 */
  batchingFlushMs?: number;
  /** Messages per partition (queued, batched and in flight) before QueueFullError or, with blockIfQueueFull, waiting. @default 100000 */
  maxPendingMessages?: number;
  /** Bytes of unsettled payloads across all of this client's producers; 0: no limit. @default 67108864 */
  memoryLimitBytes?: number;
  /** produce() waits for room (messages or memory) instead of failing with QueueFullError. @default false */
  blockIfQueueFull?: boolean;
  /** ms to wait before registering (Kaffe's startup delay). @default 0 */
  startupDelayMs?: number;
  /** Random extra ms, up to this, added to startupDelayMs. @default 0 */
  startupJitterMs?: number;
  /** How often partition counts are re-read; 0 turns it off. @default 60000 */
  partitionsRefreshIntervalMs?: number;
}

/**
 * What a message handler may return: `{ ack: false }` leaves the messages unacknowledged;
 * `{ retryLaterMs }` sends them to the retry letter topic to come again after that delay (Pulsar, enableRetry).
 */
export type HandlerResult = void | undefined | { ack?: boolean; retryLaterMs?: number };

/** Options of `new Consumer(options)`. */
export interface ConsumerOptions extends ClientOptions {
  /** Topics subscribed to; a partitioned topic is consumed as one. @default [] */
  topics?: string[];
  /** @default 'cortado' */
  subscription?: string;
  /** Where a new subscription starts. @default 'latest' */
  subscriptionInitialPosition?: InitialPositionName;
  /** @default 'worker_per_topic_partition' */
  workerAllocation?: WorkerAllocation;
  /** Handlers running at once across partitions. @default 16 */
  handlerConcurrency?: number;
  /** ms before a handler call counts as failed (its messages are redelivered). @default 30000 */
  handlerTimeoutMs?: number;
  /** Most messages handed to one handler call. @default 100 */
  maxHandlerBatch?: number;
  /** ms before negatively acknowledged messages come again. @default 1000 */
  negativeAckRedeliveryDelayMs?: number;
  /** ms close() waits for running handlers (and for a resubscribe that pending acks need). @default 30000 */
  closeTimeoutMs?: number;
  /**
   * How often partition counts are re-read; partitions added since start are subscribed at
   * subscriptionInitialPosition (use 'earliest' to read all they got). 0 turns it off. @default 60000
   */
  partitionsRefreshIntervalMs?: number;
  /**
   * Kaffe-style handler: gets one topic-partition's messages in order; returning normally
   * acknowledges them, throwing redelivers them. `signal` aborts on the handler timeout and when
   * close() stops waiting. Without it, iterate the consumer.
   */
  handleMessages?: (messages: Message[], signal: AbortSignal) => HandlerResult | Promise<HandlerResult>;
}

export type { ReceiptTypes, Receipt } from './receipt';
export type { Message };

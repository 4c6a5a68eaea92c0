// The options every backend shares, as zod shapes and the config types they parse to. Parsing
// (with a backend's own options added) is config.ts's; this file imports no backend and no registry.
import { z } from 'zod';
import { COMPRESSION_NAMES } from '../../protocol/compression';
import { STRATEGY_NAMES } from '../../strategies';
import type { PartitionStrategy } from '../../strategies/types';
import { securityShape, SecuritySettings } from '../auth/security-options';
import { LOG_LEVELS, Logger, loggerOption, LogLevel } from './logger';
import { bool, int, list, oneOf } from './options';

export const WORKER_ALLOCATIONS = ['worker_per_topic_partition', 'worker_per_partition'] as const;
export type WorkerAllocation = (typeof WORKER_ALLOCATIONS)[number];

/** Knobs every client (producer or consumer) has, whatever the backend. */
export const clientShape = {
  // the default is the first registered backend's (see parseFor)
  url: z.string(),
  connectionTimeoutMs: int(1).default(10_000),
  operationTimeoutMs: int(1).default(30_000),
  keepAliveIntervalMs: int(100).default(30_000),
  tlsCaFile: z.string().optional(),
  tlsCertFile: z.string().optional(),
  tlsKeyFile: z.string().optional(),
  tlsAllowInsecure: bool().default(false),
  authToken: z.string().optional(),
  logger: loggerOption.optional(),
  logLevel: oneOf(LOG_LEVELS).optional(),
  ...securityShape,
};

/** What a backend is opened with: the client knobs, whatever backend options they carry. */
export interface ClientConfig extends SecuritySettings {
  url: string;
  connectionTimeoutMs: number;
  operationTimeoutMs: number;
  keepAliveIntervalMs: number;
  /** where log lines go; none: silent unless a log level is set */
  logger?: Logger;
  logLevel?: LogLevel;
}

const strategyOption = z.union([oneOf(STRATEGY_NAMES), z.custom<PartitionStrategy>((v) => typeof v === 'function')], {
  errorMap: () => ({ message: `expected one of ${STRATEGY_NAMES.join('|')} or a function` }),
});

/** Every producer knob any backend has, its type and default: read from CORTADO_<OPTION> and overridable in code. */
export const producerShape = {
  ...clientShape,
  topics: list().default([]),
  partitionStrategy: strategyOption.default('md5'),
  workerAllocation: oneOf(WORKER_ALLOCATIONS).default('worker_per_topic_partition'),
  sendTimeoutMs: int(0).default(30_000),
  compression: oneOf(COMPRESSION_NAMES).default('none'),
  batchingEnabled: bool().default(false),
  batchingMaxMessages: int(1).default(1000),
  batchingMaxBytes: int(1).default(128 * 1024),
  batchingFlushMs: int(0).default(10),
  maxPendingMessages: int(1).default(100_000),
  memoryLimitBytes: int(0).default(64 * 1024 * 1024),
  blockIfQueueFull: bool().default(false),
  startupDelayMs: int(0).default(0),
  startupJitterMs: int(0).default(0),
  partitionsRefreshIntervalMs: int(0).default(60_000),
};

/** A parsed producer config: the shared knobs, plus the options of its backend (read by that backend). */
export type ProducerConfig = z.infer<z.ZodObject<typeof producerShape>> & ClientConfig & { readonly [backendOption: string]: unknown };
export type ProducerOptions = import('./types').ProducerOptions;

export const INITIAL_POSITIONS = ['earliest', 'latest'] as const;

/** Every consumer knob any backend has: read from CORTADO_<OPTION> and overridable in code. */
export const consumerShape = {
  ...clientShape,
  topics: list().default([]),
  subscription: z.string().min(1, { message: 'expected a subscription name' }).default('cortado'),
  subscriptionInitialPosition: oneOf(INITIAL_POSITIONS).default('latest'),
  workerAllocation: oneOf(WORKER_ALLOCATIONS).default('worker_per_topic_partition'),
  handlerConcurrency: int(1).default(16),
  handlerTimeoutMs: int(1).default(30_000),
  maxHandlerBatch: int(1).default(100),
  negativeAckRedeliveryDelayMs: int(0).default(1000),
  /** how long close() waits for running handlers (and a resubscribe that pending acks need) */
  closeTimeoutMs: int(0).default(30_000),
  partitionsRefreshIntervalMs: int(0).default(60_000),
};

/** A parsed consumer config: the shared knobs, plus the options of its backend (read by that backend). */
export type ConsumerConfig = z.infer<ReturnType<typeof z.object<typeof consumerShape>>> &
  ClientConfig & { readonly [backendOption: string]: unknown };

import { z } from 'zod';
import { clientShape, parseOptions, WORKER_ALLOCATIONS } from './config';
import { int, list, oneOf } from './options';

export const SUBSCRIPTION_TYPES = ['exclusive', 'shared', 'failover', 'key_shared'] as const;
export type SubscriptionTypeName = (typeof SUBSCRIPTION_TYPES)[number];
export const INITIAL_POSITIONS = ['earliest', 'latest'] as const;

/** Every consumer knob: read from CORTADO_<OPTION> and overridable in code. */
export const consumerShape = {
  ...clientShape,
  topics: list().default([]),
  subscription: z.string().min(1, { error: 'expected a subscription name' }).default('cortado'),
  subscriptionType: oneOf(SUBSCRIPTION_TYPES).default('exclusive'),
  subscriptionInitialPosition: oneOf(INITIAL_POSITIONS).default('latest'),
  workerAllocation: oneOf(WORKER_ALLOCATIONS).default('worker_per_topic_partition'),
  consumerName: z.string().min(1).optional(),
  receiverQueueSize: int(1, 100_000).default(1000),
  handlerConcurrency: int(1).default(16),
  handlerTimeoutMs: int(1).default(30_000),
  maxHandlerBatch: int(1).default(100),
  negativeAckRedeliveryDelayMs: int(0).default(1000),
  maxPendingChunkedMessages: int(1).default(10),
  maxPendingChunkedBytes: int(1).default(256 * 1024 * 1024),
  chunkExpireMs: int(1).default(60_000),
  /** acknowledgements gather this long before one ACK carries them (Java's ackGroupTime); 0: at the end of the tick */
  ackGroupTimeMs: int(0, 60_000).default(100),
  /** a group of this many acknowledgements is sent at once */
  ackGroupMaxSize: int(1, 100_000).default(1000),
  /** how long close() waits for running handlers (and a resubscribe that pending acks need) */
  closeTimeoutMs: int(0).default(30_000),
};

export type ConsumerConfig = z.infer<ReturnType<typeof z.object<typeof consumerShape>>>;
export type ConsumerConfigOptions = Omit<import('./types').ConsumerOptions, 'handleMessages'>;

export function parseConsumerConfig(code: ConsumerConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return parseOptions(consumerShape, code as Record<string, unknown>, env) as ConsumerConfig;
}

import { z } from 'zod';
import { ClientConfig, clientShape, parseFor, WORKER_ALLOCATIONS } from './config';
import { int, list, oneOf } from './options';

export const INITIAL_POSITIONS = ['earliest', 'latest'] as const;

/** Every consumer knob any backend has: read from CORTADO_<OPTION> and overridable in code. */
export const consumerShape = {
  ...clientShape,
  topics: list().default([]),
  subscription: z.string().min(1, { error: 'expected a subscription name' }).default('cortado'),
  subscriptionInitialPosition: oneOf(INITIAL_POSITIONS).default('latest'),
  workerAllocation: oneOf(WORKER_ALLOCATIONS).default('worker_per_topic_partition'),
  handlerConcurrency: int(1).default(16),
  handlerTimeoutMs: int(1).default(30_000),
  maxHandlerBatch: int(1).default(100),
  negativeAckRedeliveryDelayMs: int(0).default(1000),
  /** how long close() waits for running handlers (and a resubscribe that pending acks need) */
  closeTimeoutMs: int(0).default(30_000),
};

/** A parsed consumer config: the shared knobs, plus the options of its backend (read by that backend). */
export type ConsumerConfig = z.infer<ReturnType<typeof z.object<typeof consumerShape>>> &
  ClientConfig & { readonly [backendOption: string]: unknown };
export type ConsumerConfigOptions = Omit<import('./types').ConsumerOptions, 'handleMessages'>;

export function parseConsumerConfig(code: ConsumerConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return parseFor('consumer', consumerShape, code as Record<string, unknown>, env).config as ConsumerConfig;
}

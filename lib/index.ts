// The public API: what apps import. Internals (schemas, workers, connections) stay in their modules.
export { Producer } from './producer';
export { Consumer } from './consumer';
export { MessageId } from './message-id';
export type { MessageIdFields } from './message-id';
export * from './errors';
export { partitionStrategies, STRATEGY_NAMES } from '../strategies';
export { COMPRESSION_NAMES } from '../protocol/compression';
export { SCHEMA_TYPES } from './schema';
export type { SchemaTypeName } from './schema';
export { WORKER_ALLOCATIONS, ACCESS_MODES, BATCH_BUILDERS } from './config';
export { SUBSCRIPTION_TYPES, INITIAL_POSITIONS } from './consumer-config';
export { LOG_LEVELS } from './logger';
export { CHANNELS } from './diagnostics';
export type {
  ChannelMessages,
  ConnectionEvent,
  LookupEvent,
  HandlerStateEvent,
  SendEvent,
  ReceiveEvent,
} from './diagnostics';
export type { PartitionEvent, ReconnectingEvent, PartitionsChangedEvent, ProducerEventName, ConsumerEventName } from './events';
export type * from './types';
export type { TokenSupplier } from './auth/token';
export { Admin } from './admin';
export type { AdminOptions, TopicStats, PartitionedTopicStats } from './admin';
export { AdminError, AdminTopicError } from './admin-errors';

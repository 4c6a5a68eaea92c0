// The public API: what apps import. Internals (schemas, workers, connections) stay in their modules.
import './backends';

export { Client } from './core/client';
export type { SharedClientOptions } from './core/client';
export { Producer } from './core/producer';
export { Consumer } from './core/consumer';
export { MessageId } from './pulsar/message-id';
export type { MessageIdFields } from './pulsar/message-id';
export * from './core/errors';
export { partitionStrategies, STRATEGY_NAMES } from '../strategies';
export { COMPRESSION_NAMES } from '../protocol/compression';
export { SCHEMA_TYPES } from './pulsar/schema';
export type { SchemaTypeName } from './pulsar/schema';
export { WORKER_ALLOCATIONS } from './core/config';
export { ACCESS_MODES, BATCH_BUILDERS, SUBSCRIPTION_MODES, SUBSCRIPTION_TYPES } from './pulsar/options';
export type {
  AccessModeName,
  BatchBuilderName,
  SubscriptionTypeName,
  SubscriptionModeName,
  SchemaOption,
  RedeliveryBackoffOption,
  DeadLetterPolicyOption,
} from './pulsar/options';
export { INITIAL_POSITIONS } from './core/consumer-config';
export { LOG_LEVELS } from './core/logger';
export { CHANNELS } from './core/diagnostics';
export type {
  ChannelMessages,
  ConnectionEvent,
  LookupEvent,
  HandlerStateEvent,
  SendEvent,
  ReceiveEvent,
  ReceiptPosition,
} from './core/diagnostics';
export type {
  PartitionEvent,
  ReconnectingEvent,
  PartitionsChangedEvent,
  TopicsChangedEvent,
  ProducerEventName,
  ConsumerEventName,
} from './core/events';
export type * from './core/types';
export type { TokenSupplier } from './auth/token';
export { RecordMetadata } from './kafka/record-metadata';
export { KafkaAdmin } from './kafka/admin';
export type { KafkaTopicDescription } from './kafka/admin';
export type { KafkaGroupDescription, KafkaGroupListing, KafkaGroupMember, KafkaGroupOffset } from './kafka/group-admin';
export { SASL_MECHANISMS, ACKS } from './kafka/options';
export type { SaslMechanismName, AcksName } from './kafka/options';
export { Admin } from './admin';
export type { AdminConstructor, AdminOptions, KafkaAdminOptions } from './admin';
export { Admin as PulsarAdmin } from './pulsar/admin';
export type { AdminOptions as PulsarAdminOptions, TopicStats, PartitionedTopicStats } from './pulsar/admin';
export type { AnyAdmin } from './core/backend';
export { Reader } from './pulsar/reader';
export type { ReaderOptions, ReaderStart } from './pulsar/reader';
export { AdminError, AdminTopicError } from './pulsar/admin-errors';

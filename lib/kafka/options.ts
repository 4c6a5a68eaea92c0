// The options only the Kafka backend has: their zod shapes (validated when the URL is kafka:// or
// kafka+ssl://) and their public types, added to the façade's option interfaces.
import { z } from 'zod';
import { bool, int, oneOf } from '../core/options';
import type { RecordMetadata } from './record-metadata';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];
export const ACKS = ['all', 'leader', 'none'] as const;
export type AcksName = (typeof ACKS)[number];

/** Java's names for the assignors (partition.assignment.strategy), most preferred first. */
export const PARTITION_ASSIGNORS = ['range', 'cooperative-sticky'] as const;
export type PartitionAssignorName = (typeof PARTITION_ASSIGNORS)[number];
export const ISOLATION_LEVELS = ['read_uncommitted', 'read_committed'] as const;
export type IsolationLevelName = (typeof ISOLATION_LEVELS)[number];
export const GROUP_PROTOCOLS = ['classic', 'consumer'] as const;
export type GroupProtocolName = (typeof GROUP_PROTOCOLS)[number];

// a comma-separated list (or an array) of assignor names, each one once
const assignorList = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()) : v),
    z
      .array(oneOf(PARTITION_ASSIGNORS), { message: `expected a comma-separated list of ${PARTITION_ASSIGNORS.join('|')}` })
      .min(1, { message: `expected one or more of ${PARTITION_ASSIGNORS.join('|')}` })
      .refine((a) => new Set(a).size === a.length, { message: 'expected each assignor once' }),
  );

export const kafkaClientShape = {
  clientId: z.string().min(1).default('cortado'),
  saslMechanism: oneOf(SASL_MECHANISMS).optional(),
  saslUsername: z.string().optional(),
  saslPassword: z.string().optional(),
  /** Kaffe's Heroku mode: read KAFKA_URL, KAFKA_TRUSTED_CERT, KAFKA_CLIENT_CERT, KAFKA_CLIENT_CERT_KEY */
  herokuKafkaEnv: bool().default(false),
};

export const kafkaProducerShape = {
  acks: oneOf(ACKS).default('all'),
  idempotence: bool().default(true),
  maxInFlightRequests: int(1, 5).default(5),
  retryBackoffMs: int(0).default(100),
};

export const kafkaConsumerShape = {
  sessionTimeoutMs: int(1).default(45_000),
  heartbeatIntervalMs: int(1).default(3000),
  rebalanceTimeoutMs: int(1).default(60_000),
  offsetCommitIntervalMs: int(1).default(5000),
  maxBytes: int(1).default(50 * 1024 * 1024),
  maxPartitionBytes: int(1).default(1024 * 1024),
  minBytes: int(1).default(1),
  maxWaitMs: int(0).default(500),
  partitionAssignors: assignorList().default([...PARTITION_ASSIGNORS]),
  groupInstanceId: z.string().min(1, { message: 'expected a non-empty group.instance.id' }).optional(),
  isolationLevel: oneOf(ISOLATION_LEVELS).default('read_uncommitted'),
  groupProtocol: oneOf(GROUP_PROTOCOLS).default('classic'),
};

export interface KafkaClientSettings {
  clientId: string;
  saslMechanism?: SaslMechanismName;
  saslUsername?: string;
  saslPassword?: string;
  herokuKafkaEnv: boolean;
}

export interface KafkaProducerSettings extends KafkaClientSettings {
  acks: AcksName;
  idempotence: boolean;
  maxInFlightRequests: number;
  retryBackoffMs: number;
}

export interface KafkaConsumerSettings extends KafkaClientSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  offsetCommitIntervalMs: number;
  maxBytes: number;
  maxPartitionBytes: number;
  minBytes: number;
  maxWaitMs: number;
  partitionAssignors: PartitionAssignorName[];
  groupInstanceId?: string;
  isolationLevel: IsolationLevelName;
  groupProtocol: GroupProtocolName;
}

declare module '../core/receipt' {
  interface ReceiptTypes {
    kafka: RecordMetadata;
  }
}

declare module '../core/types' {
  interface ClientOptions {
    /** Kafka: the client.id sent with every request. @default 'cortado' */
    clientId?: string;
    /** Kafka: SASL mechanism (with saslUsername/saslPassword; oauthbearer takes the OAuth2 options). */
    saslMechanism?: SaslMechanismName;
    /** Kafka: SASL user name. */
    saslUsername?: string;
    /** Kafka: SASL password; never logged. */
    saslPassword?: string;
    /** Kafka: Kaffe's Heroku mode, reading KAFKA_URL and the KAFKA_*_CERT variables. @default false */
    herokuKafkaEnv?: boolean;
  }

  interface ProducerOptions {
    /** Kafka: `all` waits for the in-sync replicas (needed by idempotence), `leader` for the leader, `none` for nothing. @default 'all' */
    acks?: AcksName;
    /** Kafka: a producer id and per-partition sequence numbers, so retries never duplicate or reorder. @default true */
    idempotence?: boolean;
    /** Kafka: produce requests in flight per partition (1..5). @default 5 */
    maxInFlightRequests?: number;
    /** Kafka: ms between retries of a retriable error, after a metadata refresh. @default 100 */
    retryBackoffMs?: number;
  }

  interface ConsumerOptions {
    /** Kafka: ms without a heartbeat after which the group coordinator drops this member. @default 45000 */
    sessionTimeoutMs?: number;
    /** Kafka: ms between heartbeats to the group coordinator. @default 3000 */
    heartbeatIntervalMs?: number;
    /** Kafka: ms the coordinator waits for every member to rejoin during a rebalance. @default 60000 */
    rebalanceTimeoutMs?: number;
    /** Kafka: ms between commits of the acknowledged offsets (also committed on revocation and close). @default 5000 */
    offsetCommitIntervalMs?: number;
    /** Kafka: the most bytes one fetch response may carry. @default 52428800 */
    maxBytes?: number;
    /** Kafka: the most bytes one fetch returns per partition (a larger first batch still comes). @default 1048576 */
    maxPartitionBytes?: number;
    /** Kafka: bytes a fetch waits for (up to maxWaitMs) before the broker answers. @default 1 */
    minBytes?: number;
    /** Kafka: ms a fetch waits at most for minBytes. @default 500 */
    maxWaitMs?: number;
    /** Kafka (classic protocol): the assignors this member supports, most preferred first; all `cooperative-sticky` makes rebalances incremental. @default ['range', 'cooperative-sticky'] */
    partitionAssignors?: PartitionAssignorName[];
    /** Kafka: static membership's group.instance.id; a restart within sessionTimeoutMs keeps the partitions, and close() does not leave the group. */
    groupInstanceId?: string;
    /** Kafka: `read_committed` skips aborted transactions' records. @default 'read_uncommitted' */
    isolationLevel?: IsolationLevelName;
    /** Kafka: `classic` (JoinGroup/SyncGroup, client-side assignors) or `consumer` (KIP-848, the broker assigns). @default 'classic' */
    groupProtocol?: GroupProtocolName;
  }
}

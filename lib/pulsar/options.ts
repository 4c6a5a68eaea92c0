// The options only the Pulsar backend has: their zod shapes (validated when the URL is pulsar://
// or pulsar+ssl://) and their public types, added to the façade's option interfaces.
import { z } from 'zod';
import { bool, int, oneOf } from '../core/options';
import type { MessageId } from './message-id';
import { SchemaSpec, schemaSpec, SchemaTypeName } from './schema';

export const ACCESS_MODES = ['Shared', 'Exclusive', 'WaitForExclusive', 'ExclusiveWithFencing'] as const;
export const BATCH_BUILDERS = ['default', 'key_based'] as const;
export const SUBSCRIPTION_TYPES = ['exclusive', 'shared', 'failover', 'key_shared'] as const;
export const SUBSCRIPTION_MODES = ['durable', 'non_durable'] as const;

/** The producer's access mode on its topic (matched case-insensitively; `_`/`-` ignored). */
export type AccessModeName = (typeof ACCESS_MODES)[number];
/** `key_based` batches only messages with the same key together (for Key_Shared consumers). */
export type BatchBuilderName = (typeof BATCH_BUILDERS)[number];
export type SubscriptionTypeName = (typeof SUBSCRIPTION_TYPES)[number];
/** `non_durable`: the broker keeps no cursor once the consumer leaves (a Reader's subscription). */
export type SubscriptionModeName = (typeof SUBSCRIPTION_MODES)[number];

/** A schema registered with the topic (producer) or checked against it (consumer); values are encoded and decoded by it. */
export interface SchemaOption {
  type: SchemaTypeName;
  /** Json and Avro: an Avro schema as JSON text or object; ProtobufNative: the .proto text */
  definition?: string | Record<string, unknown>;
  /** ProtobufNative: the full name of the root message (e.g. 'shop.Order') */
  messageType?: string;
  /** @default the topic */
  name?: string;
  /** Json and Avro add the Java client's __alwaysAllowNull=true and __jsr310ConversionEnabled=false unless given */
  properties?: Record<string, string>;
}

/** Negative-ack redelivery delay growing with the message's redelivery count (the Java client's MultiplierRedeliveryBackoff). */
export interface RedeliveryBackoffOption {
  /** delay of a message never redelivered before, ms. @default 1000 */
  minDelayMs?: number;
  /** the delay never exceeds this, ms. @default 60000 */
  maxDelayMs?: number;
  /** each redelivery multiplies the delay by this (at least 1). @default 2 */
  multiplier?: number;
}

/** Where a message goes once it was redelivered maxRedeliverCount times (the Java client's DeadLetterPolicy). */
export interface DeadLetterPolicyOption {
  /** redeliveries (nacks, ack timeouts) allowed; the next failure sends the message to the dead letter topic (at least 1) */
  maxRedeliverCount: number;
  /** @default '<topic>-<subscription>-DLQ' for each partition's topic, as the Java client names it */
  deadLetterTopic?: string;
  /** a subscription the broker creates on the dead letter topic with its producer, so nothing sent there is lost before anyone subscribes */
  initialSubscriptionName?: string;
  /** where reconsumeLater sends messages (with enableRetry). @default '<first topic>-<subscription>-RETRY' */
  retryLetterTopic?: string;
}

const redeliveryBackoff = z
  .object({
    minDelayMs: int(0).default(1000),
    maxDelayMs: int(0).default(60_000),
    multiplier: z.number({ message: 'expected a number >= 1' }).min(1, { message: 'expected a number >= 1' }).default(2),
  })
  .strict()
  .refine((b) => b.maxDelayMs >= b.minDelayMs, { message: 'maxDelayMs must be at least minDelayMs' });

const deadLetterPolicy = z
  .object({
    maxRedeliverCount: int(1),
    deadLetterTopic: z.string().min(1).optional(),
    initialSubscriptionName: z.string().min(1).optional(),
    retryLetterTopic: z.string().min(1).optional(),
  })
  .strict();

export const pulsarClientShape = {
  listenerName: z.string().min(1, { message: 'expected a listener name' }).optional(),
};

export const pulsarProducerShape = {
  producerName: z.string().min(1).optional(),
  accessMode: oneOf(ACCESS_MODES).default('Shared'),
  batchBuilder: oneOf(BATCH_BUILDERS).default('default'),
  chunkingEnabled: bool().default(false),
  maxMessageSize: int(1024).default(5 * 1024 * 1024),
  initialSequenceId: int(0).optional(),
  schema: schemaSpec.optional(),
};

export const pulsarConsumerShape = {
  subscriptionType: oneOf(SUBSCRIPTION_TYPES).default('exclusive'),
  consumerName: z.string().min(1).optional(),
  receiverQueueSize: int(1, 100_000).default(1000),
  maxPendingChunkedMessages: int(1).default(10),
  maxPendingChunkedBytes: int(1).default(256 * 1024 * 1024),
  chunkExpireMs: int(1).default(60_000),
  /** acknowledgements gather this long before one ACK carries them (Java's ackGroupTime); 0: at the end of the tick */
  ackGroupTimeMs: int(0, 60_000).default(100),
  /** a group of this many acknowledgements is sent at once */
  ackGroupMaxSize: int(1, 100_000).default(1000),
  /** a message handed to the app and not acknowledged within this is redelivered; 0: never (Java's ackTimeout, at least 1 s) */
  ackTimeoutMs: int(0)
    .refine((v) => v === 0 || v >= 1000, { message: 'expected 0 (off) or an integer >= 1000' })
    .default(0),
  /** how often the ack timeout is checked (Java's ackTimeoutTickTime) */
  ackTimeoutTickTimeMs: int(100).default(1000),
  negativeAckRedeliveryBackoff: redeliveryBackoff.optional(),
  deadLetterPolicy: deadLetterPolicy.optional(),
  subscriptionMode: oneOf(SUBSCRIPTION_MODES).default('durable'),
  readCompacted: bool().default(false),
  batchIndexAckEnabled: bool().default(false),
  schema: schemaSpec.optional(),
  /** the consumer also subscribes to the retry letter topic and reconsumeLater writes there (Java's enableRetry) */
  enableRetry: bool().default(false),
  /** subscribe to every topic of a namespace whose name matches (Java's topicsPattern) */
  topicsPattern: z.string().min(1, { message: 'expected a regular expression over topic names' }).optional(),
  /** how often a pattern's topics are listed again when the broker keeps no topic-list watch (Java's patternAutoDiscoveryPeriod) */
  patternAutoDiscoveryPeriodMs: int(1).default(60_000),
};

/** What the Pulsar backend reads of a parsed producer config beyond the shared knobs. */
export interface PulsarProducerSettings {
  listenerName?: string;
  producerName?: string;
  accessMode: AccessModeName;
  batchBuilder: BatchBuilderName;
  chunkingEnabled: boolean;
  maxMessageSize: number;
  initialSequenceId?: number;
  schema?: SchemaSpec;
}

/** What the Pulsar backend reads of a parsed consumer config beyond the shared knobs. */
export interface PulsarConsumerSettings {
  listenerName?: string;
  subscriptionType: SubscriptionTypeName;
  consumerName?: string;
  receiverQueueSize: number;
  maxPendingChunkedMessages: number;
  maxPendingChunkedBytes: number;
  chunkExpireMs: number;
  ackGroupTimeMs: number;
  ackGroupMaxSize: number;
  ackTimeoutMs: number;
  ackTimeoutTickTimeMs: number;
  negativeAckRedeliveryBackoff?: Required<RedeliveryBackoffOption>;
  deadLetterPolicy?: DeadLetterPolicyOption;
  subscriptionMode: SubscriptionModeName;
  readCompacted: boolean;
  batchIndexAckEnabled: boolean;
  schema?: SchemaSpec;
  topicsPattern?: string;
  patternAutoDiscoveryPeriodMs: number;
  enableRetry: boolean;
}

declare module '../core/receipt' {
  interface ReceiptTypes {
    pulsar: MessageId;
  }
}

declare module '../core/types' {
  interface ClientOptions {
    /** Pulsar: the broker listener (advertisedListeners) lookups answer with. */
    listenerName?: string;
  }

  interface ProducerOptions {
    /** Pulsar: the producer name; the broker picks one when absent. */
    producerName?: string;
    /** Pulsar. @default 'Shared' */
    accessMode?: AccessModeName;
    /** Pulsar. @default 'default' */
    batchBuilder?: BatchBuilderName;
    /** Pulsar: split messages above the broker's limit into chunks (not with batching). @default false */
    chunkingEnabled?: boolean;
    /** Pulsar: chunk size limit, bytes (at least 1024). @default 5242880 */
    maxMessageSize?: number;
    /** Pulsar: first sequence id of a new producer (the broker's last stored one wins when higher); ids must increase. */
    initialSequenceId?: number;
    /** Pulsar: a schema registered with the topic; values (plain objects for Json, Avro and ProtobufNative; pre-encoded bytes too) are encoded by it. */
    schema?: SchemaOption;
  }

  interface ConsumerOptions {
    /** Pulsar. @default 'exclusive' */
    subscriptionType?: SubscriptionTypeName;
    /** Pulsar. */
    consumerName?: string;
    /** Pulsar: messages the broker may push ahead per partition (1..100000). @default 1000 */
    receiverQueueSize?: number;
    /** Pulsar. @default 10 */
    maxPendingChunkedMessages?: number;
    /** Pulsar. @default 268435456 */
    maxPendingChunkedBytes?: number;
    /** Pulsar: ms an incomplete chunked message is kept. @default 60000 */
    chunkExpireMs?: number;
    /** Pulsar: ms acknowledgements gather before one ACK carries them; 0 sends at the end of the tick. @default 100 */
    ackGroupTimeMs?: number;
    /** Pulsar: a group of this many acknowledgements is sent at once. @default 1000 */
    ackGroupMaxSize?: number;
    /** Pulsar: ms after which a message handed over and not acknowledged is redelivered; 0 = off, else at least 1000. @default 0 */
    ackTimeoutMs?: number;
    /** Pulsar: how often the ack timeout is checked, ms (at least 100); a message comes again after ackTimeoutMs plus up to one tick. @default 1000 */
    ackTimeoutTickTimeMs?: number;
    /** Pulsar: a nacked message comes again after min(maxDelayMs, minDelayMs × multiplier^redeliveryCount) instead of negativeAckRedeliveryDelayMs. */
    negativeAckRedeliveryBackoff?: RedeliveryBackoffOption;
    /** Pulsar (Shared and Key_Shared): a message redelivered maxRedeliverCount times is sent to a dead letter topic and acknowledged instead of coming again. */
    deadLetterPolicy?: DeadLetterPolicyOption;
    /** Pulsar: `non_durable` keeps no cursor on the broker once the consumer leaves; it starts at subscriptionInitialPosition. @default 'durable' */
    subscriptionMode?: SubscriptionModeName;
    /** Pulsar: read the compacted view of the topic (Exclusive and Failover subscriptions on persistent topics). @default false */
    readCompacted?: boolean;
    /** Pulsar: acknowledging part of a batch tells the broker at once (an ack set), so a redelivery skips the acknowledged messages; needs acknowledgmentAtBatchIndexLevelEnabled on the broker. @default false */
    batchIndexAckEnabled?: boolean;
    /** Pulsar: the value schema, sent in SUBSCRIBE so the broker checks it against the topic's (SchemaError when incompatible); `message.decoded` is the value decoded by it. */
    schema?: SchemaOption;
    /**
     * Pulsar: subscribe to every topic of one namespace whose name matches this regular expression,
     * and follow topics created and deleted later (`orders-.*` is in public/default; else
     * `tenant/namespace/orders-.*` or `persistent://tenant/namespace/orders-.*`). Not with `topics`.
     */
    topicsPattern?: string;
    /** Pulsar: ms between listings of a pattern's topics while the broker keeps no topic-list watch. @default 60000 */
    patternAutoDiscoveryPeriodMs?: number;
    /**
     * Pulsar: also subscribe to the retry letter topic (deadLetterPolicy.retryLetterTopic, by default
     * `<first topic>-<subscription>-RETRY`), so `reconsumeLater` (or a handler returning `{ retryLaterMs }`)
     * can send a message there to come again later; past maxRedeliverCount (16 without a policy) it goes to
     * the dead letter topic instead. @default false
     */
    enableRetry?: boolean;
  }
}

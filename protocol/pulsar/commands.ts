import { encodeCommandFrame, encodePayloadFrame, payloadFrameHeader } from './frame';
import { handEncodable, sendCommandSize, SendArgs, writeSendCommand } from './send-command';
import { AckType, AccessMode, CommandType, InitialPosition, KeyValue, MessageIdData, SchemaData, SubType } from './proto';

/** The newest protocol version whose features cortado speaks. */
export const PROTOCOL_VERSION = 21;

export interface ConnectArgs {
  clientVersion: string;
  authMethodName?: string;
  authData?: Uint8Array;
  proxyToBrokerUrl?: string;
}

// CONNECT: client_version, protocol_version, auth, feature_flags
export function connectFrame(a: ConnectArgs): Buffer {
  return encodeCommandFrame({
    type: CommandType.CONNECT,
    connect: {
      clientVersion: a.clientVersion,
      protocolVersion: PROTOCOL_VERSION,
      authMethodName: a.authMethodName,
      authData: a.authData,
      proxyToBrokerUrl: a.proxyToBrokerUrl,
      featureFlags: {
        supportsAuthRefresh: true,
        supportsBrokerEntryMetadata: true,
        supportsPartialProducer: true,
        supportsTopicWatchers: true,
      },
    },
  });
}

// PING and PONG carry nothing; their frames never change.
export const PING_FRAME = encodeCommandFrame({ type: CommandType.PING, ping: {} });
export const PONG_FRAME = encodeCommandFrame({ type: CommandType.PONG, pong: {} });

export function authResponseFrame(clientVersion: string, authMethodName: string, authData: Uint8Array): Buffer {
  return encodeCommandFrame({
    type: CommandType.AUTH_RESPONSE,
    authResponse: { clientVersion, protocolVersion: PROTOCOL_VERSION, response: { authMethodName, authData } },
  });
}

export function partitionedMetadataFrame(topic: string, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.PARTITIONED_METADATA, partitionMetadata: { topic, requestId } });
}

// LOOKUP: topic, request_id, authoritative, advertised_listener_name (which of the broker's listeners to answer with)
export function lookupFrame(topic: string, requestId: number, authoritative: boolean, listenerName?: string): Buffer {
  return encodeCommandFrame({
    type: CommandType.LOOKUP,
    lookupTopic: { topic, requestId, authoritative, advertisedListenerName: listenerName },
  });
}

export interface ProducerArgs {
  topic: string;
  producerId: number;
  requestId: number;
  producerName?: string;
  userProvidedName: boolean;
  epoch: number;
  accessMode: AccessMode;
  topicEpoch?: number;
  schema?: SchemaData;
  metadata?: KeyValue[];
  /** a subscription the broker creates on the topic with the producer (the dead letter producer's) */
  initialSubscriptionName?: string;
}

// PRODUCER: topic, producer_id, request_id, producer_name?, schema?, epoch, access mode, topic_epoch?
export function producerFrame(a: ProducerArgs): Buffer {
  return encodeCommandFrame({
    type: CommandType.PRODUCER,
    producer: {
      topic: a.topic,
      producerId: a.producerId,
      requestId: a.requestId,
      producerName: a.producerName,
      userProvidedProducerName: a.userProvidedName,
      epoch: a.epoch,
      producerAccessMode: a.accessMode,
      topicEpoch: a.topicEpoch,
      schema: a.schema,
      metadata: a.metadata,
      initialSubscriptionName: a.initialSubscriptionName,
    },
  });
}

export function closeProducerFrame(producerId: number, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.CLOSE_PRODUCER, closeProducer: { producerId, requestId } });
}

export type { SendArgs } from './send-command';

// SEND: producer_id, sequence_id, num_messages?, highest_sequence_id?, is_chunk? + payload section
export function sendFrame(a: SendArgs, metadata: Uint8Array, payload: Uint8Array): [Buffer, Uint8Array] {
  if (!handEncodable(a)) return encodePayloadFrame({ type: CommandType.SEND, send: a }, metadata, payload);
  const header = payloadFrameHeader(sendCommandSize(a), metadata, payload);
  writeSendCommand(header, 8, a);
  return [header, payload];
}

export interface SubscribeArgs {
  topic: string;
  subscription: string;
  subType: SubType;
  consumerId: number;
  requestId: number;
  consumerName?: string;
  initialPosition: InitialPosition;
  durable?: boolean;
  readCompacted?: boolean;
  schema?: SchemaData;
  keySharedMeta?: { keySharedMode: number; allowOutOfOrderDelivery?: boolean };
  startMessageId?: MessageIdData;
  /** a new non-durable subscription starts at the first message published this many seconds ago */
  startMessageRollbackDurationSec?: number;
  /** the consumer's redeliver-all epoch: the broker stamps dispatched messages with it */
  consumerEpoch?: number;
}

// SUBSCRIBE: topic, subscription, subType, consumer_id, request_id, initialPosition, ..., consumer_epoch
export function subscribeFrame(a: SubscribeArgs): Buffer {
  return encodeCommandFrame({ type: CommandType.SUBSCRIBE, subscribe: a });
}

export function flowFrame(consumerId: number, messagePermits: number): Buffer {
  return encodeCommandFrame({ type: CommandType.FLOW, flow: { consumerId, messagePermits } });
}

// ACK: consumer_id, ack_type, message_id[] (individual acks may carry many)
export function ackFrame(consumerId: number, ackType: AckType, messageIds: MessageIdData[], validationError?: number): Buffer {
  return encodeCommandFrame({ type: CommandType.ACK, ack: { consumerId, ackType, messageId: messageIds, validationError } });
}

// REDELIVER_UNACKNOWLEDGED_MESSAGES: no ids means every unacknowledged message
export function redeliverFrame(consumerId: number, messageIds: MessageIdData[], consumerEpoch?: number): Buffer {
  return encodeCommandFrame({
    type: CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES,
    redeliverUnacknowledgedMessages: { consumerId, messageIds, consumerEpoch },
  });
}

export function closeConsumerFrame(consumerId: number, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.CLOSE_CONSUMER, closeConsumer: { consumerId, requestId } });
}

// SEEK: consumer_id, request_id, and either message_id or message_publish_time (epoch ms)
export function seekFrame(consumerId: number, requestId: number, target: MessageIdData | number): Buffer {
  const seek =
    typeof target === 'number' ? { consumerId, requestId, messagePublishTime: target } : { consumerId, requestId, messageId: target };
  return encodeCommandFrame({ type: CommandType.SEEK, seek });
}

export function unsubscribeFrame(consumerId: number, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.UNSUBSCRIBE, unsubscribe: { consumerId, requestId } });
}

export function getLastMessageIdFrame(consumerId: number, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.GET_LAST_MESSAGE_ID, getLastMessageId: { consumerId, requestId } });
}

// GET_SCHEMA: request_id, topic, schema_version (the version a message was written with)
export function getSchemaFrame(topic: string, schemaVersion: Uint8Array, requestId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.GET_SCHEMA, getSchema: { requestId, topic, schemaVersion } });
}

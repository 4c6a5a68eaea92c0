import * as path from 'path';
import * as protobuf from 'protobufjs';
import { FrameError } from './frame-error';

// 64-bit fields decode as JS numbers: ledger/entry/sequence ids stay far below 2^53 and
// numbers avoid a Long allocation per field on the hot path.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.loadSync(path.join(__dirname, 'pulsar.proto'));

function type(name: string): protobuf.Type {
  return root.lookupType(`cortado.pulsar.${name}`);
}

export const BaseCommandType = type('BaseCommand');
export const MessageMetadataType = type('MessageMetadata');
export const SingleMessageMetadataType = type('SingleMessageMetadata');
export const BrokerEntryMetadataType = type('BrokerEntryMetadata');

function enumValues(name: string): Record<string, number> {
  return root.lookupEnum(`cortado.pulsar.${name}`).values;
}

export const ServerErrorNames: Record<number, string> = Object.fromEntries(
  Object.entries(enumValues('ServerError')).map(([k, v]) => [v, k]),
);

export enum CommandType {
  CONNECT = 2, CONNECTED = 3, SUBSCRIBE = 4, PRODUCER = 5, SEND = 6, SEND_RECEIPT = 7,
  SEND_ERROR = 8, MESSAGE = 9, ACK = 10, FLOW = 11, UNSUBSCRIBE = 12, SUCCESS = 13,
  ERROR = 14, CLOSE_PRODUCER = 15, CLOSE_CONSUMER = 16, PRODUCER_SUCCESS = 17, PING = 18,
  PONG = 19, REDELIVER_UNACKNOWLEDGED_MESSAGES = 20, PARTITIONED_METADATA = 21,
  PARTITIONED_METADATA_RESPONSE = 22, LOOKUP = 23, LOOKUP_RESPONSE = 24,
  REACHED_END_OF_TOPIC = 27, SEEK = 28, GET_LAST_MESSAGE_ID = 29,
  GET_LAST_MESSAGE_ID_RESPONSE = 30, ACTIVE_CONSUMER_CHANGE = 31, GET_SCHEMA = 34,
  GET_SCHEMA_RESPONSE = 35, AUTH_CHALLENGE = 36, AUTH_RESPONSE = 37, ACK_RESPONSE = 38,
  GET_OR_CREATE_SCHEMA = 39, GET_OR_CREATE_SCHEMA_RESPONSE = 40, TOPIC_MIGRATED = 68,
}

/** The protocol's ServerError codes used by name in the client. */
export enum ServerError {
  UnknownError = 0, MetadataError = 1, PersistenceError = 2, AuthenticationError = 3,
  AuthorizationError = 4, ConsumerBusy = 5, ServiceNotReady = 6,
  ProducerBlockedQuotaExceededError = 7, ProducerBlockedQuotaExceededException = 8,
  ChecksumError = 9, UnsupportedVersionError = 10, TopicNotFound = 11,
  SubscriptionNotFound = 12, ConsumerNotFound = 13, TooManyRequests = 14,
  TopicTerminatedError = 15, ProducerBusy = 16, InvalidTopicName = 17, IncompatibleSchema = 18,
  ConsumerAssignError = 19, NotAllowedError = 22, ProducerFenced = 25,
}

export enum AccessMode { Shared = 0, Exclusive = 1, WaitForExclusive = 2, ExclusiveWithFencing = 3 }
export enum SubType { Exclusive = 0, Shared = 1, Failover = 2, Key_Shared = 3 }
export enum InitialPosition { Latest = 0, Earliest = 1 }
export enum AckType { Individual = 0, Cumulative = 1 }
export enum AckValidationError { UncompressedSizeCorruption = 0, DecompressionError = 1, ChecksumMismatch = 2, BatchDeSerializeError = 3 }
export enum LookupType { Redirect = 0, Connect = 1, Failed = 2 }

export interface KeyValue { key: string; value: string }

export interface MessageIdData {
  ledgerId: number;
  entryId: number;
  partition?: number;
  batchIndex?: number;
  batchSize?: number;
  ackSet?: number[];
}

export interface SchemaData {
  name: string;
  schemaData: Uint8Array;
  type: number;
  properties?: KeyValue[];
}

/** Decoded BaseCommand: `type` plus the one sub-command it carries (fields in camelCase). */
export interface BaseCommand {
  type: CommandType;
  [field: string]: any;
}

export interface MessageMetadata {
  producerName: string;
  sequenceId: number;
  publishTime: number;
  properties?: KeyValue[];
  partitionKey?: string;
  compression?: number;
  uncompressedSize?: number;
  numMessagesInBatch?: number;
  eventTime?: number;
  schemaVersion?: Uint8Array;
  partitionKeyB64Encoded?: boolean;
  orderingKey?: Uint8Array;
  deliverAtTime?: number;
  highestSequenceId?: number;
  nullValue?: boolean;
  uuid?: string;
  numChunksFromMsg?: number;
  totalChunkMsgSize?: number;
  chunkId?: number;
  nullPartitionKey?: boolean;
  replicatedFrom?: string;
  markerType?: number;
}

export interface SingleMessageMetadata {
  properties?: KeyValue[];
  partitionKey?: string;
  payloadSize: number;
  compactedOut?: boolean;
  eventTime?: number;
  partitionKeyB64Encoded?: boolean;
  orderingKey?: Uint8Array;
  sequenceId?: number;
  nullValue?: boolean;
  nullPartitionKey?: boolean;
}

export function encodeBaseCommand(cmd: BaseCommand): Uint8Array {
  return BaseCommandType.encode(cmd as unknown as protobuf.Message).finish();
}

// protobufjs throws RangeError or its own errors on bad bytes; callers get the decoder's typed error.
function decodeAs<T>(t: protobuf.Type, what: string, bytes: Uint8Array): T {
  try {
    return t.decode(bytes) as unknown as T;
  } catch (err) {
    throw new FrameError(`${what} does not decode: ${(err as Error).message}`, 'malformed', { cause: err });
  }
}

// PING and PONG carry nothing a reader needs: a peer may leave their empty sub-command out.
const EMPTY_COMMANDS = new Set<number>([CommandType.PING, CommandType.PONG]);

/**
 * A BaseCommand whose known type carries its sub-command (field number = type number), so a
 * dispatcher can read it without checking; unknown types pass for newer brokers' commands.
 */
export function decodeBaseCommand(bytes: Uint8Array): BaseCommand {
  const cmd = decodeAs<BaseCommand>(BaseCommandType, 'command', bytes);
  if (!Object.prototype.hasOwnProperty.call(cmd, 'type')) throw new FrameError('command has no type', 'malformed');
  const field = CommandType[cmd.type] === undefined || EMPTY_COMMANDS.has(cmd.type) ? undefined : BaseCommandType.fieldsById[cmd.type];
  if (field && cmd[field.name] == null) throw new FrameError(`${CommandType[cmd.type]} command carries no ${field.name}`, 'malformed');
  return cmd;
}

export function encodeMessageMetadata(md: MessageMetadata): Uint8Array {
  return MessageMetadataType.encode(md as unknown as protobuf.Message).finish();
}

export function decodeMessageMetadata(bytes: Uint8Array): MessageMetadata {
  return decodeAs<MessageMetadata>(MessageMetadataType, 'message metadata', bytes);
}

export function encodeSingleMessageMetadata(md: SingleMessageMetadata): Uint8Array {
  return SingleMessageMetadataType.encode(md as unknown as protobuf.Message).finish();
}

export function decodeSingleMessageMetadata(bytes: Uint8Array): SingleMessageMetadata {
  return decodeAs<SingleMessageMetadata>(SingleMessageMetadataType, 'single message metadata', bytes);
}

import { cortado } from './generated/pulsar';

// The wire types come from protocol/pulsar.proto through protobufjs static code generated at
// build time (scripts/gen-protocol.js): no .proto parse at run time, one source for every enum.
// 64-bit fields decode as JS numbers (the generated module sets protobuf.util.Long = undefined).
import pb = cortado.pulsar;

export import CommandType = pb.BaseCommand.Type;
export import ServerError = pb.ServerError;
export import AccessMode = pb.ProducerAccessMode;
export import SubType = pb.CommandSubscribe.SubType;
export import InitialPosition = pb.CommandSubscribe.InitialPosition;
export import AckType = pb.CommandAck.AckType;
export import AckValidationError = pb.CommandAck.ValidationError;
export import LookupType = pb.CommandLookupTopicResponse.LookupType;
export import PartitionedMetadataResult = pb.CommandPartitionedTopicMetadataResponse.LookupType;
export import CompressionType = pb.CompressionType;
export import KeySharedMode = pb.KeySharedMode;
export import SchemaType = pb.Schema.Type;
export import TopicMigratedResource = pb.CommandTopicMigrated.ResourceType;

/** ServerError code → its protocol name. */
export const ServerErrorNames: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(pb.ServerError).map(([name, code]) => [code, name])),
);

/**
 * A message as decoded: protobufjs answers every scalar, bytes and repeated field with its
 * value or its default, so each is typed as present; nested messages the client reads are
 * always sent by the broker. (`own()`-style hasOwnProperty checks tell sent from defaulted.)
 */
export type Decoded<I> = { [K in keyof I]-?: DecodedValue<Exclude<I[K], null | undefined>> };
type DecodedValue<T> = T extends Uint8Array
  ? Uint8Array
  : T extends readonly (infer E)[]
    ? DecodedValue<E>[]
    : T extends object
      ? Decoded<T>
      : T;

/** A shape to encode: the keys in R required, the rest optional, nested values as decoded. */
type Encodable<I, R extends keyof I> = Pick<Decoded<I>, R> & Partial<Omit<Decoded<I>, R>>;

type SubCommands = Omit<pb.IBaseCommand, 'type'>;

/**
 * A decoded BaseCommand: `type` plus every sub-command field typed with its generated shape.
 * Only the field matching `type` carries what the broker sent; the client reads no other.
 */
export type BaseCommand = { type: CommandType } & Decoded<SubCommands>;

/** The sub-command fields of the broker's answers to a request: each carries `requestId`. */
export type ResponseField = {
  [K in keyof SubCommands]-?: Decoded<SubCommands>[K] extends { requestId: number } ? K : never;
}[keyof SubCommands];

/** A BaseCommand to encode: `type` plus the sub-command it carries, as the generated interface. */
export type BaseCommandInit = pb.IBaseCommand & { type: CommandType };

export type KeyValue = Decoded<pb.IKeyValue>;
export type MessageIdData = Encodable<pb.IMessageIdData, 'ledgerId' | 'entryId'>;
export type SchemaData = Encodable<pb.ISchema, 'name' | 'schemaData' | 'type'>;
export type MessageMetadata = Encodable<pb.IMessageMetadata, 'producerName' | 'sequenceId' | 'publishTime'>;
export type SingleMessageMetadata = Encodable<pb.ISingleMessageMetadata, 'payloadSize'>;
export type BrokerEntryMetadata = Decoded<pb.IBrokerEntryMetadata>;

export function encodeBaseCommand(cmd: BaseCommandInit): Uint8Array {
  return pb.BaseCommand.encode(cmd).finish();
}

export function decodeBaseCommand(bytes: Uint8Array): BaseCommand {
  return pb.BaseCommand.decode(bytes) as unknown as BaseCommand;
}

export function encodeMessageMetadata(md: MessageMetadata): Uint8Array {
  return pb.MessageMetadata.encode(md).finish();
}

export function decodeMessageMetadata(bytes: Uint8Array): Decoded<pb.IMessageMetadata> {
  return pb.MessageMetadata.decode(bytes) as unknown as Decoded<pb.IMessageMetadata>;
}

export function encodeSingleMessageMetadata(md: SingleMessageMetadata): Uint8Array {
  return pb.SingleMessageMetadata.encode(md).finish();
}

export function decodeSingleMessageMetadata(bytes: Uint8Array): Decoded<pb.ISingleMessageMetadata> {
  return pb.SingleMessageMetadata.decode(bytes) as unknown as Decoded<pb.ISingleMessageMetadata>;
}

export function encodeMessageIdData(id: MessageIdData): Uint8Array {
  return pb.MessageIdData.encode(id).finish();
}

export function decodeMessageIdData(bytes: Uint8Array): Decoded<pb.IMessageIdData> {
  return pb.MessageIdData.decode(bytes) as unknown as Decoded<pb.IMessageIdData>;
}

export function decodeBrokerEntryMetadata(bytes: Uint8Array): BrokerEntryMetadata {
  return pb.BrokerEntryMetadata.decode(bytes) as unknown as BrokerEntryMetadata;
}

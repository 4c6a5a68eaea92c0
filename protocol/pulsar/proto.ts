import { FrameError } from './frame-error';
import { cortado } from './generated/pulsar';
import { messageMetadataSize, metadataHandEncodable, writeMessageMetadata } from './message-metadata';
import type { Decoded, Encodable, MessageMetadata } from './wire-types';

export type { Decoded, MessageMetadata };

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
// one enum for codecs and wire: the generated one has the same numbers (a unit test holds them equal)
export { CompressionType } from '../compression/codec';
export import KeySharedMode = pb.KeySharedMode;
export import SchemaType = pb.Schema.Type;
export import TopicMigratedResource = pb.CommandTopicMigrated.ResourceType;
export import TopicsMode = pb.CommandGetTopicsOfNamespace.Mode;

/** ServerError code → its protocol name. */
export const ServerErrorNames: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(pb.ServerError).map(([name, code]) => [code, name])),
);

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
export type SingleMessageMetadata = Encodable<pb.ISingleMessageMetadata, 'payloadSize'>;
export type BrokerEntryMetadata = Decoded<pb.IBrokerEntryMetadata>;

export function encodeBaseCommand(cmd: BaseCommandInit): Uint8Array {
  return pb.BaseCommand.encode(cmd).finish();
}

// protobufjs throws RangeError or its own errors on bad bytes; callers get the decoder's typed error.
function decodeAs<T>(decode: (bytes: Uint8Array) => unknown, what: string, bytes: Uint8Array): T {
  try {
    return decode(bytes) as T;
  } catch (err) {
    throw new FrameError(`${what} does not decode: ${(err as Error).message}`, 'malformed', { cause: err });
  }
}

// PING and PONG carry nothing a reader needs: a peer may leave their empty sub-command out.
const EMPTY_COMMANDS = new Set<number>([CommandType.PING, CommandType.PONG]);

// The sub-command field of each type (field number = type number), read off the generated decoder once.
const SUB_COMMAND_FIELD = new Map<number, string>();
for (const n of Object.values(CommandType)) {
  if (typeof n !== 'number') continue;
  const tag = (n << 3) | 2;
  const probe = tag < 0x80 ? Uint8Array.of(tag, 0) : Uint8Array.of((tag & 0x7f) | 0x80, tag >>> 7, 0);
  const name = Object.keys(pb.BaseCommand.decode(probe)).find((k) => k !== 'type');
  if (name) SUB_COMMAND_FIELD.set(n, name);
}

/** The BaseCommand field that holds the sub-command of a command type (undefined for unknown types). */
export function subCommandField(type: number): string | undefined {
  return SUB_COMMAND_FIELD.get(type);
}

/**
 * A BaseCommand whose known type carries its sub-command (field number = type number), so a
 * dispatcher can read it without checking; unknown types pass for newer brokers' commands.
 */
export function decodeBaseCommand(bytes: Uint8Array): BaseCommand {
  const cmd = decodeAs<BaseCommand>((b) => pb.BaseCommand.decode(b), 'command', bytes);
  if (!Object.prototype.hasOwnProperty.call(cmd, 'type')) throw new FrameError('command has no type', 'malformed');
  const field = EMPTY_COMMANDS.has(cmd.type) ? undefined : SUB_COMMAND_FIELD.get(cmd.type);
  if (field && (cmd as unknown as Record<string, unknown>)[field] == null)
    throw new FrameError(`${CommandType[cmd.type]} command carries no ${field}`, 'malformed');
  return cmd;
}

export function encodeMessageMetadata(md: MessageMetadata): Uint8Array {
  // the hand encoder writes what protobufjs would, without its Writer; other values go through protobufjs
  if (!metadataHandEncodable(md)) return pb.MessageMetadata.encode(md).finish();
  const buf = Buffer.allocUnsafe(messageMetadataSize(md));
  writeMessageMetadata(buf, 0, md);
  return buf;
}

export function decodeMessageMetadata(bytes: Uint8Array): Decoded<pb.IMessageMetadata> {
  return decodeAs<Decoded<pb.IMessageMetadata>>((b) => pb.MessageMetadata.decode(b), 'message metadata', bytes);
}

export function encodeSingleMessageMetadata(md: SingleMessageMetadata): Uint8Array {
  return pb.SingleMessageMetadata.encode(md).finish();
}

export function decodeSingleMessageMetadata(bytes: Uint8Array): Decoded<pb.ISingleMessageMetadata> {
  return decodeAs<Decoded<pb.ISingleMessageMetadata>>((b) => pb.SingleMessageMetadata.decode(b), 'single message metadata', bytes);
}

export function encodeMessageIdData(id: MessageIdData): Uint8Array {
  return pb.MessageIdData.encode(id).finish();
}

export function decodeMessageIdData(bytes: Uint8Array): Decoded<pb.IMessageIdData> {
  return decodeAs<Decoded<pb.IMessageIdData>>((b) => pb.MessageIdData.decode(b), 'message id', bytes);
}

export function decodeBrokerEntryMetadata(bytes: Uint8Array): BrokerEntryMetadata {
  return decodeAs<BrokerEntryMetadata>((b) => pb.BrokerEntryMetadata.decode(b), 'broker entry metadata', bytes);
}

import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { InvalidArgumentError, SchemaError } from '../core/errors';

// PROTOBUF_NATIVE, as the Java client's Schema.PROTOBUF_NATIVE defines it: the schema data is JSON
// naming a FileDescriptorSet (base64), the root message's full name and the file that declares it.

export interface ProtobufNativeSchema {
  type: protobuf.Type;
  /** the schema data sent in PRODUCER/SUBSCRIBE */
  data: Buffer;
}

/** Parses `.proto` text and finds `messageType` in it; either failing is a SchemaError naming it. */
export function protobufNativeSchema(proto: string, messageType: string | undefined): ProtobufNativeSchema {
  if (!proto) throw new SchemaError('schema type ProtobufNative needs a definition: the .proto text declaring messageType');
  let root: protobuf.Root;
  try {
    root = protobuf.parse(proto, { keepCase: true }).root;
  } catch (err) {
    throw new SchemaError(`schema definition for ProtobufNative is not valid .proto text: ${(err as Error).message}`);
  }
  const names = messageNames(root);
  if (!messageType) throw new SchemaError(`schema type ProtobufNative needs messageType: one of ${names.join('|')}`);
  const type = root.lookup(messageType);
  if (!(type instanceof protobuf.Type)) {
    throw new SchemaError(`schema messageType ${messageType} is not a message of the definition: one of ${names.join('|')}`);
  }
  const set = (root as protobuf.Root & { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto3');
  const files = (set as unknown as { file: Array<{ name: string; package?: string }> }).file;
  const pkg = type.fullName.slice(1, type.fullName.length - type.name.length - 1);
  const file = files.find((f) => (f.package ?? '') === pkg) ?? files[0];
  const bytes = descriptor.FileDescriptorSet.encode(set).finish();
  const json = {
    fileDescriptorSet: Buffer.from(bytes).toString('base64'),
    rootMessageTypeName: type.fullName.slice(1),
    rootFileDescriptorName: file.name,
  };
  return { type, data: Buffer.from(JSON.stringify(json), 'utf8') };
}

/** Encodes a plain object read as protobuf's JSON mapping does (64-bit integers may be strings, enums names). */
export function protobufEncode(type: protobuf.Type, value: unknown): Uint8Array {
  let problem: string | null;
  let msg: protobuf.Message | undefined;
  try {
    msg = type.fromObject(value as Record<string, unknown>);
    problem = type.verify(msg);
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem) throw new InvalidArgumentError(`value does not match the protobuf message ${type.fullName.slice(1)}: ${problem}`);
  return type.encode(msg!).finish();
}

/** Decodes one message into a plain object (64-bit integers as strings, enums by name, bytes as Buffers). */
export function protobufDecode(type: protobuf.Type, bytes: Buffer): unknown {
  try {
    return type.toObject(type.decode(bytes), { longs: String, enums: String });
  } catch (err) {
    throw new SchemaError(`message value is not a ${type.fullName.slice(1)} protobuf message: ${(err as Error).message}`);
  }
}

function messageNames(ns: protobuf.NamespaceBase): string[] {
  const out: string[] = [];
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.push(n.fullName.slice(1));
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) out.push(...messageNames(n));
  }
  return out;
}

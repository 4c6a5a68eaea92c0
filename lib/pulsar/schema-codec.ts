import type { SchemaData } from '../../protocol/pulsar/proto';
import { avroEncode, avroResolvingDecoder, avroType } from './avro-schema';
import type * as ProtobufSchema from './protobuf-schema';
import { avroDefinitionOf, decodeSchemaValue, encodeSchemaValue, SchemaSpec, toSchemaData } from './schema';

/** A schema made ready once per producer or consumer: what is registered, and how values are written and read. */
export interface SchemaCodec {
  /** SchemaData for PRODUCER/SUBSCRIBE (its name is set per topic); undefined for Bytes */
  readonly data: SchemaData | undefined;
  /** bytes for an app value, or undefined to leave the value to the plain byte rules (pre-encoded bytes, strings) */
  encode(value: unknown): Uint8Array | undefined;
  /** the app value of a message's bytes; `writer` is the definition the message was written with, when it differs */
  decode(bytes: Buffer, writer?: string): unknown;
  /** decoding depends on the writer's schema version (Avro): fetch each version before delivery */
  readonly resolvesWriter?: boolean;
}

const isBytes = (v: unknown): boolean => typeof v === 'string' || v instanceof Uint8Array || v === null || v === undefined;

/** Builds the codec; a bad definition is a SchemaError here, at construction. */
export function schemaCodec(spec: SchemaSpec | undefined, topic: string): SchemaCodec | undefined {
  if (!spec || spec.type === 'Bytes') return undefined;
  const type = spec.type;
  if (type === 'Avro') {
    const avro = avroType(avroDefinitionOf(spec));
    return {
      data: toSchemaData(spec, topic),
      encode: (v) => (isBytes(v) ? undefined : avroEncode(avro, v)),
      decode: avroResolvingDecoder(avro),
      resolvesWriter: true,
    };
  }
  if (type === 'Json') avroType(avroDefinitionOf(spec)); // the broker parses it as Avro too
  if (type === 'ProtobufNative') {
    // the full protobufjs (a .proto parser) loads only for this schema type
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pb = require('./protobuf-schema') as typeof ProtobufSchema;
    const native = pb.protobufNativeSchema(typeof spec.definition === 'string' ? spec.definition : '', spec.messageType);
    return {
      data: toSchemaData(spec, topic, native.data),
      encode: (v) => (isBytes(v) ? undefined : pb.protobufEncode(native.type, v)),
      decode: (b) => pb.protobufDecode(native.type, b),
    };
  }
  return { data: toSchemaData(spec, topic), encode: (v) => encodeSchemaValue(type, v), decode: (b) => decodeSchemaValue(type, b) };
}

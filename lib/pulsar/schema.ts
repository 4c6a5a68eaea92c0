import { z } from 'zod';
import { SchemaData, SchemaType } from '../../protocol/pulsar/proto';
import { InvalidArgumentError, SchemaError } from '../core/errors';
import { JAVA_STRUCT_PROPERTIES } from './avro-schema';

/** Schema type names and their protocol numbers (from the generated enum); Bytes registers no schema. */
export const SCHEMA_TYPES = {
  Bytes: -1,
  String: SchemaType.String,
  Json: SchemaType.Json,
  Avro: SchemaType.Avro,
  Bool: SchemaType.Bool,
  Int8: SchemaType.Int8,
  Int16: SchemaType.Int16,
  Int32: SchemaType.Int32,
  Int64: SchemaType.Int64,
  Float: SchemaType.Float,
  Double: SchemaType.Double,
  Date: SchemaType.Date,
  Time: SchemaType.Time,
  Timestamp: SchemaType.Timestamp,
  ProtobufNative: SchemaType.ProtobufNative,
} as const;
export type SchemaTypeName = keyof typeof SCHEMA_TYPES;
const TYPE_NAMES = Object.keys(SCHEMA_TYPES) as [SchemaTypeName, ...SchemaTypeName[]];
const NEEDS_DEFINITION: ReadonlySet<SchemaTypeName> = new Set(['Json', 'Avro']);

export const schemaSpec = z
  .object({
    type: z.enum(TYPE_NAMES, { message: `expected a schema type: ${TYPE_NAMES.join('|')}` }),
    definition: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    name: z.string().optional(),
    /** ProtobufNative: the full name of the root message in the .proto definition */
    messageType: z.string().min(1).optional(),
    properties: z.record(z.string(), z.string({ message: 'schema properties must be strings' })).optional(),
  })
  .strict();
export type SchemaSpec = z.infer<typeof schemaSpec>;

/** Checks an Avro (or Avro-described JSON) definition enough to refuse what the broker would. */
function checkAvro(def: unknown, where: string): void {
  if (typeof def === 'string') {
    if (['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'].includes(def)) return;
    throw new SchemaError(`${where}: ${JSON.stringify(def)} is not an Avro type`);
  }
  if (Array.isArray(def)) return def.forEach((d, i) => checkAvro(d, `${where}[${i}]`));
  if (!def || typeof def !== 'object') throw new SchemaError(`${where}: an Avro schema must be an object, array or type name`);
  const d = def as Record<string, unknown>;
  if (d.type === 'record') {
    if (typeof d.name !== 'string' || !Array.isArray(d.fields)) {
      throw new SchemaError(`${where}: an Avro record needs a string "name" and a "fields" array`);
    }
    d.fields.forEach((f: unknown, i: number) => {
      const field = f as Record<string, unknown>;
      if (!field || typeof field.name !== 'string' || field.type === undefined) {
        throw new SchemaError(`${where}.fields[${i}]: each field needs a "name" and a "type"`);
      }
      checkAvro(field.type, `${where}.fields[${i}].type`);
    });
    return;
  }
  if (typeof d.type === 'string' || typeof d.type === 'object') {
    if (['enum', 'array', 'map', 'fixed'].includes(d.type as string)) return;
    return checkAvro(d.type, `${where}.type`);
  }
  throw new SchemaError(`${where}: an Avro schema object needs a "type"`);
}

/** The parsed Avro definition of a Json or Avro schema (JSON text or object), checked. */
export function avroDefinitionOf(spec: SchemaSpec): unknown {
  if (spec.definition === undefined) {
    throw new SchemaError(`schema type ${spec.type} needs a definition (an Avro schema as JSON text or object)`);
  }
  let parsed: unknown = spec.definition;
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed);
    } catch (err) {
      throw new SchemaError(`schema definition for ${spec.type} is not valid JSON: ${(err as Error).message}`);
    }
  }
  checkAvro(parsed, 'schema definition');
  return parsed;
}

/**
 * The SchemaData sent in PRODUCER/SUBSCRIBE, or undefined for Bytes (no schema). Json and Avro
 * carry the Java client's default properties unless given, so both clients register the same.
 */
export function toSchemaData(spec: SchemaSpec | undefined, topic: string, data?: Uint8Array): SchemaData | undefined {
  if (!spec || spec.type === 'Bytes') return undefined;
  if (!data && NEEDS_DEFINITION.has(spec.type)) data = Buffer.from(JSON.stringify(avroDefinitionOf(spec)), 'utf8');
  const properties = NEEDS_DEFINITION.has(spec.type) ? { ...JAVA_STRUCT_PROPERTIES, ...spec.properties } : (spec.properties ?? {});
  return {
    name: spec.name ?? topic,
    schemaData: data ?? new Uint8Array(0),
    type: SCHEMA_TYPES[spec.type],
    properties: Object.entries(properties).map(([key, value]) => ({ key, value })),
  };
}

// Fixed-width big-endian encoders of the primitive schema types, as the Java client writes them.
const FIXED: Partial<Record<SchemaTypeName, [number, (b: Buffer, v: number | bigint) => void]>> = {
  Int8: [1, (b, v) => b.writeInt8(Number(v))],
  Int16: [2, (b, v) => b.writeInt16BE(Number(v))],
  Int32: [4, (b, v) => b.writeInt32BE(Number(v))],
  Time: [4, (b, v) => b.writeInt32BE(Number(v))],
  Float: [4, (b, v) => b.writeFloatBE(Number(v))],
  Double: [8, (b, v) => b.writeDoubleBE(Number(v))],
  Int64: [8, (b, v) => b.writeBigInt64BE(BigInt(v))],
  Date: [8, (b, v) => b.writeBigInt64BE(BigInt(v))],
  Timestamp: [8, (b, v) => b.writeBigInt64BE(BigInt(v))],
};

// the Java client's JSON schema writes no null fields (Jackson's NON_NULL); array items stay
const dropNullFields = function (this: unknown, _key: string, v: unknown): unknown {
  return v === null && !Array.isArray(this) ? undefined : v;
};

/** Encodes an app value for a schema type; undefined leaves the value to the plain byte rules. */
export function encodeSchemaValue(type: SchemaTypeName, value: unknown): Uint8Array | undefined {
  if (type === 'Json') {
    return typeof value === 'object' && value !== null && !(value instanceof Uint8Array)
      ? Buffer.from(JSON.stringify(value, dropNullFields), 'utf8')
      : undefined;
  }
  if (type === 'Bool') return typeof value === 'boolean' ? Uint8Array.of(value ? 1 : 0) : undefined;
  const fixed = FIXED[type];
  const n = value instanceof Date ? value.getTime() : value;
  if (!fixed || (typeof n !== 'number' && typeof n !== 'bigint')) return undefined;
  const b = Buffer.allocUnsafe(fixed[0]);
  try {
    fixed[1](b, n);
  } catch (err) {
    throw new InvalidArgumentError(`value ${String(n)} does not fit schema type ${type}: ${(err as Error).message}`);
  }
  return b;
}

// Fixed-width big-endian decoders of the primitive schema types, as the Java client reads them.
const READ: Partial<Record<SchemaTypeName, [number, (b: Buffer) => unknown]>> = {
  Bool: [1, (b) => b[0] !== 0],
  Int8: [1, (b) => b.readInt8(0)],
  Int16: [2, (b) => b.readInt16BE(0)],
  Int32: [4, (b) => b.readInt32BE(0)],
  Time: [4, (b) => b.readInt32BE(0)],
  Float: [4, (b) => b.readFloatBE(0)],
  Double: [8, (b) => b.readDoubleBE(0)],
  Int64: [8, (b) => b.readBigInt64BE(0)],
  Date: [8, (b) => new Date(Number(b.readBigInt64BE(0)))],
  Timestamp: [8, (b) => new Date(Number(b.readBigInt64BE(0)))],
};

/** Decodes the bytes of a String, Json or primitive schema type; Bytes (and Avro/Protobuf, done elsewhere) as they are. */
export function decodeSchemaValue(type: SchemaTypeName, bytes: Buffer): unknown {
  if (type === 'String') return bytes.toString('utf8');
  if (type === 'Json') {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new SchemaError(`message value is not JSON: ${(err as Error).message}`);
    }
  }
  const read = READ[type];
  if (!read) return bytes;
  if (bytes.length !== read[0]) throw new SchemaError(`a ${type} value is ${read[0]} bytes, this one is ${bytes.length}`);
  return read[1](bytes);
}

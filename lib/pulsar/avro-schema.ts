import * as avro from 'avsc';
import { InvalidArgumentError, SchemaError } from '../core/errors';

// Avro values in the Java client's AvroSchema layout: the bare binary datum (no container header,
// no fingerprint), written and read with the one schema definition the topic registered.

/** The properties the Java client's AVRO and JSON schemas register by default (SchemaDefinitionBuilder). */
export const JAVA_STRUCT_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({
  __alwaysAllowNull: 'true',
  __jsr310ConversionEnabled: 'false',
});

/** An avsc type for a parsed definition; a definition avsc refuses is a SchemaError naming its reason. */
export function avroType(definition: unknown): avro.Type {
  try {
    return avro.Type.forSchema(definition as avro.Schema);
  } catch (err) {
    throw new SchemaError(`schema definition is not a valid Avro schema: ${(err as Error).message}`);
  }
}

/** Encodes a plain object; names the first field that does not fit when it does not. */
export function avroEncode(type: avro.Type, value: unknown): Buffer {
  let bad: string | undefined;
  const ok = type.isValid(value, {
    errorHook: (path: string[], v: unknown, t: avro.Type) => {
      bad ??= `${path.length ? path.join('.') : 'the value'} = ${JSON.stringify(v) ?? String(v)} is not a valid ${typeName(t)}`;
    },
  });
  if (!ok) throw new InvalidArgumentError(`value does not match the Avro schema ${type.name ?? typeName(type)}: ${bad ?? 'invalid'}`);
  return type.toBuffer(value);
}

/** Decodes one datum; bytes the schema cannot read are a SchemaError. */
export function avroDecode(type: avro.Type, bytes: Buffer): unknown {
  try {
    return type.fromBuffer(bytes);
  } catch (err) {
    throw new SchemaError(`message value is not a datum of the Avro schema ${type.name ?? typeName(type)}: ${(err as Error).message}`);
  }
}

/**
 * Decodes data written with another version of the schema (its definition text) by Avro's
 * resolution rules, as the Java client does; one resolver per writer definition, made once.
 */
export function avroResolvingDecoder(reader: avro.Type): (bytes: Buffer, writer: string | undefined) => unknown {
  const own = JSON.stringify(reader.schema());
  // null: the writer's schema is this one
  const resolvers = new Map<string, ReturnType<avro.Type['createResolver']> | SchemaError | null>();
  return (bytes, writer) => {
    if (writer === undefined) return avroDecode(reader, bytes);
    let r = resolvers.get(writer);
    if (r === undefined) {
      try {
        const w = avro.Type.forSchema(JSON.parse(writer) as avro.Schema);
        r = JSON.stringify(w.schema()) === own ? null : reader.createResolver(w);
      } catch (err) {
        r = new SchemaError(`the writer's schema cannot be read as this consumer's Avro schema: ${(err as Error).message}`);
      }
      resolvers.set(writer, r);
    }
    if (r instanceof SchemaError) throw r;
    if (r === null) return avroDecode(reader, bytes);
    try {
      return reader.fromBuffer(bytes, r);
    } catch (err) {
      throw new SchemaError(`message value is not a datum of its writer's Avro schema: ${(err as Error).message}`);
    }
  };
}

function typeName(t: avro.Type): string {
  const s = t.schema() as unknown;
  return typeof s === 'string' ? s : JSON.stringify(s).slice(0, 80);
}

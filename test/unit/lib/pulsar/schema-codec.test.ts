import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as descriptor from 'protobufjs/ext/descriptor';
import { InvalidArgumentError, SchemaError } from '../../../../lib/core/errors';
import { Consumer } from '../../../../lib';
import { schemaCodec } from '../../../../lib/pulsar/schema-codec';
import { SchemaType } from '../../../../protocol/pulsar/proto';

const fixtures = path.join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures');
const java = JSON.parse(fs.readFileSync(path.join(fixtures, 'java-reading-avro-schema.json'), 'utf8')) as {
  schema: string;
  properties: Record<string, string>;
};

const items = JSON.parse(fs.readFileSync(path.join(fixtures, 'avro-item-versions.json'), 'utf8')) as {
  v1: Record<string, unknown>;
  v2: Record<string, unknown>;
};

const props = (kv: Array<{ key: string; value: string }> = []) => Object.fromEntries(kv.map((p) => [p.key, p.value]));

const ORDER_PROTO = `
syntax = "proto3";
package shop;
message Order {
  string id = 1;
  int64 cents = 2;
  repeated string items = 3;
  Status status = 4;
  enum Status { NEW = 0; PAID = 1; }
}`;

describe('lib/pulsar/schema-codec', () => {
  for (const type of ['Avro', 'Json'] as const) {
    it(`registers for ${type} exactly the schema data and properties the Java client registers`, () => {
      const fromText = schemaCodec({ type, definition: java.schema }, 't')!.data!;
      const fromObject = schemaCodec({ type, definition: JSON.parse(java.schema) as Record<string, unknown> }, 't')!.data!;
      for (const d of [fromText, fromObject]) {
        expect(Buffer.from(d.schemaData!).toString()).to.equal(java.schema);
        expect(props(d.properties)).to.deep.equal(java.properties);
        expect(d.type).to.equal(type === 'Avro' ? SchemaType.Avro : SchemaType.Json);
      }
      const own = schemaCodec({ type, definition: java.schema, properties: { __alwaysAllowNull: 'false', team: 'x' } }, 't')!.data!;
      expect(props(own.properties)).to.deep.equal({ __alwaysAllowNull: 'false', __jsr310ConversionEnabled: 'false', team: 'x' });
    });
  }

  it('encodes Avro from plain objects and decodes it back, nullable fields included', () => {
    const c = schemaCodec({ type: 'Avro', definition: java.schema }, 't')!;
    const bytes = c.encode({ count: 3, name: 'r3', note: null, score: 1.5 })!;
    // count zigzag 3 = 06; name: union branch 1 (02), length 2 (04) "r3"; note: branch 0 (00); score: 8 bytes LE double
    expect(Buffer.from(bytes).subarray(0, 6).toString('hex')).to.equal('060204723300');
    expect(Buffer.from(bytes).readDoubleLE(6)).to.equal(1.5);
    expect({ ...(c.decode(Buffer.from(bytes)) as object) }).to.deep.equal({ count: 3, name: 'r3', note: null, score: 1.5 });
    expect(c.encode(Buffer.from([1, 2]))).to.equal(undefined, 'pre-encoded bytes pass as they are');
  });

  it('names the Avro field a value does not fit, and refuses bytes the schema cannot read', () => {
    const c = schemaCodec({ type: 'Avro', definition: java.schema }, 't')!;
    expect(() => c.encode({ count: 'three', score: 1 })).to.throw(InvalidArgumentError, /Reading: count = "three" is not a valid int/);
    expect(() => c.decode(Buffer.from([0x06, 0x04]))).to.throw(SchemaError, /not a datum of the Avro schema/);
    expect(() =>
      schemaCodec({ type: 'Avro', definition: { type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] } }, 't'),
    ).to.throw(SchemaError);
  });

  it('reads data of an older schema version through Avro resolution, as the Java client does', () => {
    const { v1, v2 } = items;
    const old = schemaCodec({ type: 'Avro', definition: v1 }, 't')!;
    const now = schemaCodec({ type: 'Avro', definition: v2 }, 't')!;
    const bytes = Buffer.from(old.encode({ id: 7 })!);
    expect(() => now.decode(bytes)).to.throw(SchemaError, /not a datum/);
    expect({ ...(now.decode(bytes, JSON.stringify(v1)) as object) }).to.deep.equal({ id: 7, label: 'none' });
    // its own version needs no resolver
    expect({ ...(now.decode(Buffer.from(now.encode({ id: 1, label: 'x' })!), JSON.stringify(v2)) as object) }).to.deep.equal({
      id: 1,
      label: 'x',
    });
    const clash = JSON.stringify({ type: 'record', name: 'Item', fields: [{ name: 'id', type: 'string' }] });
    expect(() => now.decode(bytes, clash)).to.throw(SchemaError, /writer's schema cannot be read/);
  });

  it('decodes JSON, String and the primitives as the Java client writes them', () => {
    const j = schemaCodec({ type: 'Json', definition: java.schema }, 't')!;
    // null fields are left out as the Java client's Jackson (NON_NULL) does; array items stay
    expect(Buffer.from(j.encode({ count: 1, name: null, score: 2, tags: [null, 'a'] })!).toString()).to.equal(
      '{"count":1,"score":2,"tags":[null,"a"]}',
    );
    expect(j.decode(Buffer.from(j.encode({ count: 1, score: 2 })!))).to.deep.equal({ count: 1, score: 2 });
    expect(() => j.decode(Buffer.from('{no'))).to.throw(SchemaError, /not JSON/);
    expect(schemaCodec({ type: 'String' }, 't')!.decode(Buffer.from('héllo'))).to.equal('héllo');
    const cases: Array<[Parameters<typeof schemaCodec>[0], unknown]> = [
      [{ type: 'Bool' }, true],
      [{ type: 'Int8' }, -5],
      [{ type: 'Int16' }, -300],
      [{ type: 'Int32' }, 70000],
      [{ type: 'Int64' }, 2n ** 60n],
      [{ type: 'Float' }, 1.5],
      [{ type: 'Double' }, Math.PI],
      [{ type: 'Timestamp' }, new Date(1700000000123)],
      [{ type: 'Date' }, new Date(1700000000000)],
    ];
    for (const [spec, v] of cases) {
      const c = schemaCodec(spec, 't')!;
      expect(c.decode(Buffer.from(c.encode(v)!)), spec!.type).to.deep.equal(v);
    }
    expect(() => schemaCodec({ type: 'Int32' }, 't')!.decode(Buffer.from([1, 2]))).to.throw(
      SchemaError,
      /Int32 value is 4 bytes, this one is 2/,
    );
  });

  it('defines ProtobufNative as the Java client does: a FileDescriptorSet, the root message and its file', () => {
    const c = schemaCodec({ type: 'ProtobufNative', definition: ORDER_PROTO, messageType: 'shop.Order' }, 't')!;
    expect(c.data!.type).to.equal(SchemaType.ProtobufNative);
    const def = JSON.parse(Buffer.from(c.data!.schemaData!).toString()) as Record<string, string>;
    expect(Object.keys(def)).to.deep.equal(['fileDescriptorSet', 'rootMessageTypeName', 'rootFileDescriptorName']);
    expect(def.rootMessageTypeName).to.equal('shop.Order');
    const set = descriptor.FileDescriptorSet.decode(Buffer.from(def.fileDescriptorSet, 'base64')) as unknown as {
      file: Array<{ name: string; package: string; messageType: Array<{ name: string }> }>;
    };
    const file = set.file.find((f) => f.name === def.rootFileDescriptorName)!;
    expect(file.package).to.equal('shop');
    expect(file.messageType.map((m) => m.name)).to.deep.equal(['Order']);
    // 64-bit integers as decimal strings and enums by name, as in protobuf's JSON mapping
    const order = { id: 'o-1', cents: '1099', items: ['tea', 'cake'], status: 'PAID' };
    expect(c.decode(Buffer.from(c.encode(order)!))).to.deep.equal(order);
    expect(() => c.encode({ items: 'tea' })).to.throw(InvalidArgumentError, /shop.Order: .*items: array expected/);
  });

  it('refuses a ProtobufNative schema without a message type, naming the messages it has', () => {
    expect(() => schemaCodec({ type: 'ProtobufNative', definition: ORDER_PROTO }, 't')).to.throw(
      SchemaError,
      /needs messageType: one of shop.Order/,
    );
    expect(() => schemaCodec({ type: 'ProtobufNative', definition: ORDER_PROTO, messageType: 'shop.Nope' }, 't')).to.throw(
      SchemaError,
      /shop.Nope is not a message of the definition/,
    );
    expect(() => schemaCodec({ type: 'ProtobufNative', messageType: 'shop.Order' }, 't')).to.throw(SchemaError, /needs a definition/);
  });

  it('refuses a consumer with a bad schema at construction, as a producer, naming the problem', () => {
    expect(() => new Consumer({ topics: ['t'], schema: { type: 'Avro' } }, {})).to.throw(SchemaError, /Avro needs a definition/);
    expect(() => new Consumer({ topics: ['t'], schema: { type: 'ProtobufNative', definition: ORDER_PROTO } }, {})).to.throw(
      SchemaError,
      /needs messageType: one of shop.Order/,
    );
    expect(() => new Consumer({ topics: ['t'], schema: { type: 'Thrift' as never } }, {})).to.throw(
      /expected a schema type: Bytes\|String/,
    );
  });
});

import { expect } from 'chai';
import { InvalidArgumentError, SchemaError } from '../../../../lib/core/errors';
import { encodeSchemaValue, toSchemaData } from '../../../../lib/pulsar/schema';

describe('lib/schema', () => {
  it('sends no schema for Bytes and a typed one otherwise', () => {
    expect(toSchemaData({ type: 'Bytes' }, 't')).to.equal(undefined);
    const s = toSchemaData(
      { type: 'Avro', definition: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}', properties: { k: 'v' } },
      't',
    )!;
    expect(s.type).to.equal(4);
    expect(s.name).to.equal('t');
    expect(JSON.parse(Buffer.from(s.schemaData).toString()).name).to.equal('R');
    // the Java client's defaults for Avro and Json come first, the app's own after them
    expect(s.properties).to.deep.equal([
      { key: '__alwaysAllowNull', value: 'true' },
      { key: '__jsr310ConversionEnabled', value: 'false' },
      { key: 'k', value: 'v' },
    ]);
  });

  it('refuses a missing or invalid definition', () => {
    expect(() => toSchemaData({ type: 'Json' }, 't')).to.throw(SchemaError, /needs a definition/);
    expect(() => toSchemaData({ type: 'Avro', definition: '{' }, 't')).to.throw(SchemaError, /not valid JSON/);
    expect(() => toSchemaData({ type: 'Avro', definition: { type: 'record', name: 'R', fields: [{ type: 'int' }] } }, 't')).to.throw(
      SchemaError,
      /"name" and a "type"/,
    );
    expect(() => toSchemaData({ type: 'Avro', definition: '"varchar"' }, 't')).to.throw(SchemaError, /not an Avro type/);
  });

  it('encodes primitives big-endian as the Java client does', () => {
    expect([...encodeSchemaValue('Int32', 258)!]).to.deep.equal([0, 0, 1, 2]);
    expect(Buffer.from(encodeSchemaValue('Int64', 2n ** 60n)!).readBigInt64BE()).to.equal(2n ** 60n);
    expect([...encodeSchemaValue('Bool', true)!]).to.deep.equal([1]);
    expect(Buffer.from(encodeSchemaValue('Double', 1.5)!).readDoubleBE()).to.equal(1.5);
    expect(JSON.parse(Buffer.from(encodeSchemaValue('Json', { a: 1 })!).toString())).to.deep.equal({ a: 1 });
    expect(encodeSchemaValue('Int32', 'text')).to.equal(undefined);
  });

  it('refuses a value that does not fit its type', () => {
    expect(() => encodeSchemaValue('Int8', 300)).to.throw(InvalidArgumentError, /does not fit schema type Int8/);
  });
});

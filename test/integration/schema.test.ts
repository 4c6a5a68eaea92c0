import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { SchemaError } from '../../lib/core/errors';
import type { Consumer } from '../../lib/core/consumer';
import type { Message } from '../../lib/core/received-message';
import * as admin from '../../tools/admin';
import { javaConsumeReadings, javaProduceReadings, javaSchemaInfo, JavaReading } from '../../tools/pulsar-schema-java';
import { javaHome, uniqueTopic, withBroker } from './helpers';

const java = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'java-reading-avro-schema.json'), 'utf8'),
) as {
  schema: string;
  properties: Record<string, string>;
};

const items = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'avro-item-versions.json'), 'utf8'),
) as {
  v1: Record<string, unknown>;
  v2: Record<string, unknown>;
};

/** What PulsarSchemaTool's produce sends as message i. */
const reading = (i: number): JavaReading => ({ name: `r${i}`, count: i, score: i / 2, note: i % 2 === 0 ? 'even' : null });

async function take(c: Consumer, n: number): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of c) {
    out.push(m);
    c.ack(m);
    if (out.length === n) break;
  }
  return out;
}

describe('Schemas against a real Pulsar broker and the Java client', function () {
  this.timeout(240_000);
  const b = withBroker();

  it('registers for the same Avro definition exactly what the Java client registers (fixture still current)', async function () {
    const home = javaHome(this, b.broker);
    const info = await javaSchemaInfo(home, 'avro');
    expect(info.schema).to.equal(java.schema);
    expect(info.properties).to.deep.equal(java.properties);
    // and the broker stores cortado's registration under the same data and properties
    const topic = uniqueTopic('schema-same-as-java');
    const p = await b.producer({ topics: [topic], schema: { type: 'Avro', definition: java.schema } });
    await p.produceSync(topic, 'k', reading(0));
    const stored = (await admin.getSchema(b.broker.adminUrl, topic)) as { type: string; data: string; properties: Record<string, string> };
    expect(stored.type).to.equal('AVRO');
    expect(stored.data).to.equal(java.schema);
    expect(stored.properties).to.deep.equal(java.properties);
  });

  for (const kind of ['avro', 'json'] as const) {
    const type = kind === 'avro' ? 'Avro' : 'Json';

    it(`decodes what the Java client produced with Schema.${kind.toUpperCase()}(Reading)`, async function () {
      const home = javaHome(this, b.broker);
      const topic = uniqueTopic(`schema-java-to-cortado-${kind}`);
      await javaProduceReadings(home, b.broker.serviceUrl, topic, kind, 4);
      const c = await b.consumer({ topics: [topic], subscription: 'cortado', schema: { type, definition: java.schema } });
      const got = await take(c, 4);
      // the Java client's JSON leaves null fields out (Jackson's NON_NULL)
      const want = [0, 1, 2, 3].map(reading).map((r) => (kind === 'json' && r.note === null ? { ...r, note: undefined } : r));
      expect(got.map((m) => JSON.parse(JSON.stringify(m.decoded)) as unknown)).to.deep.equal(JSON.parse(JSON.stringify(want)));
      expect(got.every((m) => m.schemaVersion !== undefined)).to.equal(true);
    });

    it(`produces plain objects the Java client reads with Schema.${kind.toUpperCase()}(Reading)`, async function () {
      const home = javaHome(this, b.broker);
      const topic = uniqueTopic(`schema-cortado-to-java-${kind}`);
      const p = await b.producer({ topics: [topic], schema: { type, definition: java.schema } });
      for (let i = 0; i < 4; i++) await p.produceSync(topic, `k${i}`, reading(i));
      const got = await javaConsumeReadings(home, b.broker.serviceUrl, topic, 'java', kind, 4);
      expect(got).to.deep.equal([0, 1, 2, 3].map(reading));
    });
  }

  it('fails start() with SchemaError when the consumer schema is incompatible with the topic', async () => {
    const topic = uniqueTopic('schema-consumer-clash');
    const p = await b.producer({ topics: [topic], schema: { type: 'Avro', definition: java.schema } });
    await p.produceSync(topic, 'k', reading(1));
    const other = { type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] };
    const e = (await b
      .consumer({ topics: [topic], subscription: 'clash', schema: { type: 'Avro', definition: other } })
      .catch((x) => x)) as Error;
    expect(e).to.be.instanceOf(SchemaError);
    expect(e.message).to.match(/incompatible|Incompatible/);
    // a String consumer on an Avro topic is refused as well
    const s = (await b.consumer({ topics: [topic], subscription: 'clash-2', schema: { type: 'String' } }).catch((x) => x)) as Error;
    expect(s).to.be.instanceOf(SchemaError);
  });

  it('round-trips ProtobufNative messages and primitives through the broker', async () => {
    const proto = 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; int64 cents = 2; repeated string items = 3; }';
    const topic = uniqueTopic('schema-protobuf-native');
    const schema = { type: 'ProtobufNative' as const, definition: proto, messageType: 'shop.Order' };
    const p = await b.producer({ topics: [topic], schema });
    await p.produceSync(topic, 'k', { id: 'o-1', cents: '1099', items: ['tea'] });
    expect(((await admin.getSchema(b.broker.adminUrl, topic)) as { type: string }).type).to.equal('PROTOBUF_NATIVE');
    const c = await b.consumer({ topics: [topic], subscription: 'pb', schema });
    const [m] = await take(c, 1);
    expect(m.decoded).to.deep.equal({ id: 'o-1', cents: '1099', items: ['tea'] });

    const i64 = uniqueTopic('schema-int64-decoded');
    await (await b.producer({ topics: [i64], schema: { type: 'Int64' } })).produceSync(i64, 'k', 2n ** 60n);
    const [n] = await take(await b.consumer({ topics: [i64], subscription: 'i64', schema: { type: 'Int64' } }), 1);
    expect(n.decoded).to.equal(2n ** 60n);
  });

  it('reads messages of an older schema version with the writer schema resolved (GET_SCHEMA), in order', async () => {
    const topic = uniqueTopic('schema-evolution');
    const { v1, v2 } = items;
    const p1 = await b.producer({ topics: [topic], schema: { type: 'Avro', definition: v1 } });
    await p1.produceSync(topic, 'k', { id: 1 });
    await p1.produceSync(topic, 'k', { id: 2 });
    const p2 = await b.producer({ topics: [topic], schema: { type: 'Avro', definition: v2 } });
    await p2.produceSync(topic, 'k', { id: 3, label: 'new' });
    await p1.produceSync(topic, 'k', { id: 4 });
    const c = await b.consumer({ topics: [topic], subscription: 'evolved', schema: { type: 'Avro', definition: v2 } });
    const got = await take(c, 4);
    expect(new Set(got.map((m) => m.schemaVersion!.toString('hex'))).size).to.equal(2);
    expect(got.map((m) => ({ ...(m.decoded as object) }))).to.deep.equal([
      { id: 1, label: 'none' },
      { id: 2, label: 'none' },
      { id: 3, label: 'new' },
      { id: 4, label: 'none' },
    ]);
  });
});

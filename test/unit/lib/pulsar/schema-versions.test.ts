import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Consumer } from '../../../../lib';
import type { Message } from '../../../../lib/core/received-message';
import { schemaCodec } from '../../../../lib/pulsar/schema-codec';
import { CommandType } from '../../../../protocol/pulsar/proto';
import { ScriptedBroker } from '../../../support/scripted-broker';
import { commandFrame } from '../../../support/scripted-frames';
import type { Reply } from '../../../support/scripted-reply';

const { v1: V1, v2: V2 } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures', 'avro-item-versions.json'), 'utf8'),
) as { v1: Record<string, unknown>; v2: Record<string, unknown> };
const version = (n: number) => Buffer.from([0, 0, 0, 0, 0, 0, 0, n]);

// The moment a message of an unknown schema version arrives: GET_SCHEMA is asked once per
// version, and that partition's messages wait behind the answer, in order.
describe('lib/pulsar/schema-versions (scripted broker)', function () {
  this.timeout(10_000);
  let peer: ScriptedBroker;
  let c: Consumer | undefined;

  beforeEach(async () => {
    peer = await ScriptedBroker.start();
  });

  afterEach(async () => {
    await c?.close();
    await peer.stop();
    expect(peer.errors).to.deep.equal([]);
  });

  it('holds a partition behind an unanswered GET_SCHEMA, then decodes each version with its writer schema, in order', async () => {
    const v1 = schemaCodec({ type: 'Avro', definition: V1 }, 'items')!;
    const v2 = schemaCodec({ type: 'Avro', definition: V2 }, 'items')!;
    const asked: string[] = [];
    const held: Array<() => void> = [];
    peer.on('GET_SCHEMA', (cmd, reply: Reply) => {
      const g = cmd.getSchema;
      const n = Buffer.from(g.schemaVersion!).readUInt8(7);
      asked.push(`${g.topic}#${n}`);
      const answer = () =>
        reply.raw(
          commandFrame(CommandType.GET_SCHEMA_RESPONSE, {
            requestId: g.requestId,
            schemaVersion: g.schemaVersion,
            schema: { name: 'items', type: 4, schemaData: Buffer.from(JSON.stringify(n === 1 ? V1 : V2)), properties: [] },
          }),
        );
      if (n === 1) held.push(answer);
      else answer();
    });
    peer.publish('items', { value: v1.encode({ id: 1 }) as Buffer, metadata: { schemaVersion: version(1) } });
    peer.publish('items', { value: v2.encode({ id: 2, label: 'two' }) as Buffer, metadata: { schemaVersion: version(2) } });
    peer.publish('items', { value: v1.encode({ id: 3 }) as Buffer, metadata: { schemaVersion: version(1) } });
    c = new Consumer(
      {
        url: peer.url,
        topics: ['items'],
        subscription: 's',
        subscriptionInitialPosition: 'earliest',
        operationTimeoutMs: 3000,
        schema: { type: 'Avro', definition: V2 },
      },
      {},
    );
    await c.start();
    await peer.waitUntil(() => asked.length === 1);
    // the first message waits for its writer schema, and the others wait behind it
    expect(c.stats().messagesReceived).to.equal(0);
    held.shift()!();
    const got: Message[] = [];
    for await (const m of c) {
      got.push(m);
      c.ack(m);
      if (got.length === 3) break;
    }
    expect(got.map((m) => ({ ...(m.decoded as object) }))).to.deep.equal([
      { id: 1, label: 'none' },
      { id: 2, label: 'two' },
      { id: 3, label: 'none' },
    ]);
    expect(asked).to.deep.equal(['persistent://public/default/items#1', 'persistent://public/default/items#2']);
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import type { PartitionsChangedEvent } from '../../lib/core/events';
import type { Message } from '../../lib/pulsar/received-message';
import * as admin from '../../tools/admin';
import { uniqueTopic, withBroker } from './helpers';

/** Resolves once `ok()` holds; rejects naming `what` after `ms`. */
async function waitUntil(ok: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Issue 16 against a real broker: partitions added while a consumer runs are read by it.
describe('defect: a running consumer never subscribed to partitions added after start (real broker)', function () {
  this.timeout(120_000);
  const b = withBroker();

  it('a consumer on a topic grown from 2 to 4 partitions reads every message and emits partitionsChanged {from:2,to:4}', async () => {
    const topic = uniqueTopic('consumer-grows');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 2);

    const received: Message[] = [];
    const changes: PartitionsChangedEvent[] = [];
    const consumer = await b.consumer({
      topics: [topic],
      subscription: `grow-${crypto.randomBytes(3).toString('hex')}`,
      subscriptionInitialPosition: 'earliest',
      partitionsRefreshIntervalMs: 500,
      handleMessages: (messages) => void received.push(...messages),
    });
    consumer.on('partitionsChanged', (e) => changes.push(e));
    const producer = await b.producer({ topics: [topic], partitionsRefreshIntervalMs: 0 });

    const sent = new Set<string>();
    for (let i = 0; i < 10; i++) {
      await producer.produceSync(topic, `before-${i}`, `before-${i}`);
      sent.add(`before-${i}`);
    }

    await admin.updatePartitions(b.broker.adminUrl, topic, 4);
    await producer.refreshPartitions();
    expect(producer.partitionsOf(topic)).to.equal(4);

    // keyed sends spread over all four partitions; explicit ones make sure 2 and 3 get some
    for (let i = 0; i < 40; i++) {
      await producer.produceSync(topic, `after-${i}`, `after-${i}`);
      sent.add(`after-${i}`);
    }
    for (const partition of [2, 3]) {
      for (let i = 0; i < 5; i++) {
        const v = `p${partition}-${i}`;
        await producer.produceSync(topic, partition, v, v);
        sent.add(v);
      }
    }

    await waitUntil(() => changes.length > 0, 'partitionsChanged');
    expect(changes).to.deep.equal([{ topic, from: 2, to: 4 }]);
    await waitUntil(() => new Set(received.map((m) => m.value.toString())).size >= sent.size, `all ${sent.size} messages`);

    const values = new Set(received.map((m) => m.value.toString()));
    expect(
      [...sent].filter((v) => !values.has(v)),
      'messages never read',
    ).to.deep.equal([]);
    const partitions = new Set(received.map((m) => m.partition));
    expect([...partitions].sort()).to.deep.equal([0, 1, 2, 3]);
    for (const m of received.filter((x) => x.value.toString().startsWith('p'))) {
      expect(m.partition, m.value.toString()).to.equal(Number(m.value.toString()[1]));
    }
  });
});

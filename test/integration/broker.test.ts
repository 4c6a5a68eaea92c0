import { expect } from 'chai';
import * as crypto from 'crypto';
import * as admin from '../../tools/admin';
import { javaConsume, javaConsumeMessages, javaProduce } from '../../tools/java-client';
import type { PulsarBroker } from '../../tools/pulsar-standalone';
import { getBroker } from '../support/broker';

// Smoke test of the harness itself: the shared broker, admin REST and the Java client wrapper.
describe('test broker harness', () => {
  const run = crypto.randomBytes(3).toString('hex');
  let broker: PulsarBroker;

  before(async function () {
    this.timeout(300_000);
    broker = await getBroker();
  });

  it('serves admin REST with the standalone cluster and public/default', async () => {
    expect(await admin.listClusters(broker.adminUrl)).to.include('standalone');
    expect(await admin.listNamespaces(broker.adminUrl, 'public')).to.include('public/default');
  });

  it('creates a partitioned topic that reports 4 partitions', async () => {
    const topic = `persistent://public/default/harness-parts-${run}`;
    await admin.createPartitionedTopic(broker.adminUrl, topic, 4);
    expect(await admin.getPartitions(broker.adminUrl, topic)).to.equal(4);
    const stats = await admin.partitionedStats(broker.adminUrl, topic);
    expect(stats.metadata.partitions).to.equal(4);
  });

  it('reads back from the earliest what the Java client produced', async function () {
    this.timeout(120_000);
    if (!broker.home) this.skip(); // no distribution, no Java client
    const topic = `harness-java3-${run}`;
    await javaProduce(broker.home!, broker.serviceUrl, topic, { messages: ['one', 'two', 'three'] });
    const back = await javaConsume(broker.home!, broker.serviceUrl, topic, { count: 3, subscription: 'harness' });
    expect(back.map((b) => b.toString())).to.deep.equal(['one', 'two', 'three']);
  });

  it('round-trips any bytes, keys and properties through the Java client', async function () {
    this.timeout(120_000);
    if (!broker.home) this.skip(); // no distribution, no Java client
    const topic = `harness-java-${run}`;
    const messages = ['plain', 'with, comma\nand newline', Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.alloc(0), 'h\u00e9llo \u{1f600}'];
    await javaProduce(broker.home!, broker.serviceUrl, topic, { messages, key: 'k-\u00e9', properties: { a: '1', b: 'x, y' } });
    const back = await javaConsumeMessages(broker.home!, broker.serviceUrl, topic, { count: messages.length, subscription: 'harness' });
    expect(back.map((m) => m.payload?.toString('hex'))).to.deep.equal(messages.map((m) => Buffer.from(m).toString('hex')));
    expect(back.every((m) => m.key === 'k-\u00e9')).to.equal(true);
    expect(back[0].properties).to.deep.equal({ a: '1', b: 'x, y' });
    const stats = await admin.topicStats(broker.adminUrl, topic);
    expect(stats.msgInCounter).to.equal(messages.length);
  });
});

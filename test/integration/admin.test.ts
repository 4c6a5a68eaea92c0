import { expect } from 'chai';
import { Admin, Producer, MessageId } from '../../lib';
import { AdminTopicError } from '../../lib/pulsar/admin-errors';
import { ConfigError, InvalidArgumentError, TopicError } from '../../lib/core/errors';
import { uniqueTopic, withBroker } from './helpers';

describe('Admin against the real broker', () => {
  const b = withBroker();
  let admin: Admin;
  before(() => {
    admin = new Admin({}, { CORTADO_ADMIN_URL: b.broker.adminUrl });
  });
  after(() => admin.close());

  it('creates, lists, grows, reports stats of and deletes a partitioned topic', async () => {
    const topic = uniqueTopic('admin-lifecycle');
    await admin.createPartitionedTopic(topic, 3);
    expect(await admin.partitionCount(topic)).to.equal(3);
    expect(await admin.listPartitions(topic)).to.deep.equal([0, 1, 2].map((i) => `${topic}-partition-${i}`));
    expect(await admin.listPartitionedTopics('public/default')).to.include(topic);

    await admin.updatePartitions(topic, 5);
    expect(await admin.partitionCount(topic)).to.equal(5);

    const p = await b.producer({ topics: [topic], partitionStrategy: 'round_robin' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => p.produceSync(topic, null, `m${i}`)));
    const stats = await admin.partitionedStats(topic);
    expect(stats.metadata.partitions).to.equal(5);
    expect(Object.keys(stats.partitions)).to.have.length(5);
    expect(stats.msgInCounter).to.equal(10);
    expect((await admin.topicStats(`${topic}-partition-0`)).msgInCounter).to.equal(2);
    expect(await admin.listTopics('public/default')).to.include(`${topic}-partition-4`);
    await p.close();

    await admin.deleteTopic(topic, { force: true });
    expect(await admin.listPartitionedTopics('public/default')).to.not.include(topic);
  });

  it('says 0 partitions for a plain topic and deletes it', async () => {
    const topic = uniqueTopic('admin-plain');
    await admin.createTopic(topic);
    expect(await admin.partitionCount(topic)).to.equal(0);
    expect(await admin.listPartitions(topic)).to.deep.equal([]);
    expect(await admin.listTopics()).to.include(topic);
    await admin.deleteTopic(topic);
    expect(await admin.listTopics()).to.not.include(topic);
  });

  it('raises typed errors: a missing topic or namespace, an existing topic, bad arguments', async () => {
    const missing = await admin.topicStats(uniqueTopic('admin-missing')).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(AdminTopicError).and.instanceOf(TopicError);
    expect(missing).to.include({ code: 'TOPIC', status: 404, canRetry: false });
    expect((missing as Error).message).to.include('404');

    const noNs = await admin.listTopics('public/nope').catch((e: unknown) => e);
    expect(noNs).to.be.instanceOf(AdminTopicError).and.include({ status: 404 });

    const topic = uniqueTopic('admin-twice');
    await admin.createPartitionedTopic(topic, 2);
    const twice = await admin.createPartitionedTopic(topic, 2).catch((e: unknown) => e);
    expect(twice).to.be.instanceOf(AdminTopicError).and.include({ status: 409 });

    // bad arguments reject like every other failure, before anything is sent
    const rejection = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('resolved'),
        (e: unknown) => e,
      );
    expect(await rejection(admin.createPartitionedTopic(topic, 0)))
      .to.be.instanceOf(InvalidArgumentError)
      .with.property('message')
      .match(/at least 1/);
    expect(await rejection(admin.updatePartitions(topic, 1.5))).to.be.instanceOf(InvalidArgumentError);
    expect(await rejection(admin.listTopics('just-a-tenant')))
      .to.be.instanceOf(InvalidArgumentError)
      .with.property('message')
      .match(/tenant\/namespace/);
    expect(await rejection(admin.topicStats('a/b/c/d')))
      .to.be.instanceOf(InvalidArgumentError)
      .with.property('message')
      .match(/not a topic name/);
    // the same topic in every accepted spelling
    const local = topic.split('/').pop()!;
    expect(await admin.partitionCount(`public/default/${local}`)).to.equal(2);
    expect(await admin.partitionCount(local)).to.equal(2);
  });

  it('reads CORTADO_ADMIN_URL, lets code override it, and refuses a URL that is not http(s)', async () => {
    const fromCode = new Admin({ adminUrl: b.broker.adminUrl }, { CORTADO_ADMIN_URL: 'http://127.0.0.1:1' });
    expect(fromCode.adminUrl).to.equal(b.broker.adminUrl);
    expect(await fromCode.listPartitionedTopics()).to.be.an('array');
    fromCode.close();
    for (const url of ['pulsar://127.0.0.1:6650', 'localhost:8080', 'http://h:1/admin']) {
      expect(() => new Admin({}, { CORTADO_ADMIN_URL: url })).to.throw(ConfigError, /CORTADO_ADMIN_URL.*http:\/\/host:port/);
    }
    expect(() => new Admin({ adminUrl: 'http://x', nope: 1 } as never, {})).to.throw(ConfigError, /unknown option "nope"/);
  });

  it('a producer keeps working beside an Admin (same broker, same env names)', async () => {
    const topic = uniqueTopic('admin-beside');
    await admin.createPartitionedTopic(topic, 2);
    const p = new Producer<MessageId>({ url: b.broker.serviceUrl, topics: [topic] }, {});
    await p.start();
    const id = await p.produceSync(topic, 'k', 'v');
    expect(id.partition).to.be.within(0, 1);
    await p.close();
    expect((await admin.partitionedStats(topic)).msgInCounter).to.equal(1);
  });
});

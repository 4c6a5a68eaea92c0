import { expect } from 'chai';
import * as crypto from 'crypto';
import {
  Admin,
  ClosedError,
  ConfigError,
  InvalidArgumentError,
  KafkaAdmin,
  PulsarAdmin,
  Producer,
  RecordMetadata,
  TopicError,
} from '../../lib';
import type { KafkaBroker } from '../../tools/kafka-broker';
import { getKafkaBroker } from '../support/kafka-broker';

const RUN = crypto.randomBytes(3).toString('hex');

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

// new Admin({ url: 'kafka://…' }) and CORTADO_URL=kafka://… give Kafka's admin, with its own connections.
describe('the standalone Admin on a Kafka URL, against a real Kafka broker', function () {
  this.timeout(180_000);
  let broker: KafkaBroker;
  const admins: Array<{ close(): void }> = [];

  before(async function () {
    this.timeout(300_000);
    broker = await getKafkaBroker();
  });

  after(() => {
    for (const a of admins.splice(0)) a.close();
  });

  const keep = <A extends { close(): void }>(a: A): A => {
    admins.push(a);
    return a;
  };

  it('new Admin({ url }) creates, grows, counts, describes with leaders, lists and deletes a topic (defect: a describe right after updatePartitions showed the old count)', async () => {
    const admin = keep(new Admin({ url: broker.bootstrap as `kafka://${string}` }, {}));
    expect(admin).to.be.instanceOf(KafkaAdmin).and.instanceOf(Admin);
    const topic = `adm-${RUN}`;
    await admin.createPartitionedTopic(topic, 2);
    expect(await admin.partitionCount(topic)).to.equal(2);
    await admin.updatePartitions(topic, 3);
    const d = await admin.describeTopic(topic);
    expect(d.partitions.map((p) => p.partition)).to.deep.equal([0, 1, 2]);
    for (const p of d.partitions) expect(p.leader).to.be.at.least(0);
    expect(await admin.listTopics()).to.include(topic);
    await admin.deleteTopic(topic);
    expect(await admin.listTopics()).to.not.include(topic);
    const missing = await rejection(admin.partitionCount(topic));
    expect(missing).to.be.instanceOf(TopicError);
    expect(String(missing)).to.match(/UNKNOWN_TOPIC_OR_PARTITION/);
  });

  it('CORTADO_URL=kafka://… picks the Kafka admin; a producer on the same env writes to the topic it made', async () => {
    const env = { CORTADO_URL: broker.bootstrap, CORTADO_ADMIN_URL: 'http://127.0.0.1:1' };
    const admin = keep(new Admin<KafkaAdmin>({}, env));
    expect(admin).to.be.instanceOf(KafkaAdmin);
    expect(admin).to.not.be.instanceOf(PulsarAdmin);
    const topic = `adm-env-${RUN}`;
    await admin.createPartitionedTopic(topic, 4);
    const producer = new Producer<RecordMetadata>({ topics: [topic] }, env);
    await producer.start();
    try {
      const r = await producer.produceSync(topic, 'k', 'v');
      expect(r.partition).to.be.within(0, 3);
    } finally {
      await producer.close();
    }
    expect((await admin.describeTopic(topic)).partitions).to.have.length(4);
    await admin.deleteTopic(topic);
  });

  it('bad input is typed: a Pulsar option, an unknown scheme and a bad partition count', async () => {
    expect(() => new Admin({ url: broker.bootstrap, adminUrl: 'http://x:8080' } as never, {})).to.throw(
      ConfigError,
      /adminUrl.*kafka:\/\//,
    );
    expect(() => new Admin({ url: broker.bootstrap, listenerName: 'internal' } as never, {})).to.throw(ConfigError, /listenerName.*pulsar/);
    expect(() => new Admin({}, { CORTADO_URL: 'amqp://x:1' })).to.throw(ConfigError, /amqp.*kafka:\/\/host:port/);
    const admin = keep(new Admin({ url: broker.bootstrap as `kafka://${string}` }, {}));
    expect(await rejection(admin.createPartitionedTopic(`adm-bad-${RUN}`, 0))).to.be.instanceOf(InvalidArgumentError);
  });

  it('close() ends its own connections; an admin made without a URL stays Pulsar’s', async () => {
    const admin = new Admin({ url: broker.bootstrap as `kafka://${string}` }, {});
    expect(await admin.listTopics()).to.be.an('array');
    admin.close();
    expect(await rejection(admin.listTopics())).to.be.instanceOf(ClosedError);
    const pulsar = new Admin({}, {});
    expect(pulsar).to.be.instanceOf(PulsarAdmin).and.instanceOf(Admin);
    expect(pulsar).to.not.be.instanceOf(KafkaAdmin);
    pulsar.close();
  });
});

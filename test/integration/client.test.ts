import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { Admin, Client, ConfigError, QueueFullError } from '../../lib';
import { CHANNELS, ConnectionEvent } from '../../lib/core/diagnostics';
import type { Message } from '../../lib/core/received-message';
import { uniqueTopic, withBroker } from './helpers';

function listenConnections(): { opened: ConnectionEvent[]; stop(): void } {
  const opened: ConnectionEvent[] = [];
  const fn = (m: unknown) => {
    if ((m as ConnectionEvent).event === 'open') opened.push(m as ConnectionEvent);
  };
  diagnostics_channel.subscribe(CHANNELS.connection, fn);
  return { opened, stop: () => diagnostics_channel.unsubscribe(CHANNELS.connection, fn) };
}

describe('one Client shared by a producer and a consumer (real broker)', () => {
  const b = withBroker();

  it('opens one TCP connection to the broker for both, and closes everything it made', async function () {
    this.timeout(120_000);
    const topic = uniqueTopic('shared-client');
    const conns = listenConnections();
    const client = new Client({ url: b.broker.serviceUrl }, {});
    try {
      const consumer = client.consumer({ topics: [topic], subscription: 'shared', subscriptionInitialPosition: 'earliest' });
      await consumer.start();
      const producer = client.producer({ topics: [topic] });
      await producer.start();
      const sent = await Promise.all([0, 1, 2].map((i) => producer.produceSync(topic, `k${i}`, `v${i}`)));
      const got: Message[] = [];
      for await (const m of consumer) {
        got.push(m);
        consumer.ack(m);
        if (got.length === sent.length) break;
      }
      expect(got.map((m) => m.value.toString()).sort()).to.deep.equal(['v0', 'v1', 'v2']);
      // one socket per broker address for lookups, the producer and the consumer together (the
      // standalone answers lookups with "through the service URL", so the topic rides a second,
      // proxied socket, as it does for a producer alone); two clients would open each twice
      const brokers = conns.opened.map((e) => e.broker);
      expect(new Set(brokers).size, JSON.stringify(brokers)).to.equal(brokers.length);
      expect(brokers.length).to.be.at.most(2);
      expect(client.backendName).to.equal('pulsar');
    } finally {
      conns.stop();
      await client.close();
    }
    // closed with the client: nothing new can be made from it
    expect(() => client.producer({ topics: [topic] })).to.throw(/closed/);
  });

  it('gives its producers one memory budget: bytes held by one leave no room for another', async function () {
    this.timeout(120_000);
    const topic = uniqueTopic('shared-memory');
    const client = new Client({ url: b.broker.serviceUrl, memoryLimitBytes: 1000 }, {});
    try {
      // a long linger keeps the first producer's message unsettled, holding its bytes
      const holder = client.producer({ topics: [topic], batchingEnabled: true, batchingFlushMs: 60_000 });
      const other = client.producer({ topics: [topic] });
      await Promise.all([holder.start(), other.start()]);
      const held = holder.produce(topic, 'a', Buffer.alloc(800));
      expect(client.memoryUsedBytes).to.equal(800);
      const refused = await other.produce(topic, 'b', Buffer.alloc(300)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(QueueFullError);
      expect((refused as Error).message).to.include('memoryLimitBytes');
      await holder.flush();
      await held;
      expect(client.memoryUsedBytes).to.equal(0);
      await other.produceSync(topic, 'b', Buffer.alloc(300));
    } finally {
      await client.close();
    }
  });

  it('refuses client-level options on its producers and consumers, naming the option', () => {
    const client = new Client({ url: b.broker.serviceUrl }, {});
    try {
      const e = (() => {
        try {
          client.producer({ url: 'pulsar://elsewhere:6650' });
        } catch (err) {
          return err;
        }
      })();
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).option).to.equal('url');
      expect(() => client.consumer({ topics: ['t'], memoryLimitBytes: 5 } as never)).to.throw(ConfigError, /memoryLimitBytes/);
      expect(client.admin()).to.be.instanceOf(Admin);
    } finally {
      void client.close();
    }
  });
});

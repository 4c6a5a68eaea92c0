import { expect } from 'chai';
import '../../../../lib';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { ConfigError } from '../../../../lib/core/errors';
import type { TopicsChangedEvent } from '../../../../lib/core/events';
import type { Message } from '../../../../lib/core/received-message';
import { parseTopicsPattern } from '../../../../lib/pulsar/topics-pattern';
import { TopicsMode } from '../../../../protocol/pulsar/proto';
import { ScriptedBroker, ScriptedBrokerOptions, ServerError } from '../../../support/scripted-broker';
import { ScriptedConsumers } from '../../../support/scripted-consumers';

const NS = 'persistent://public/default/';

describe('topicsPattern against the scripted broker', function () {
  this.timeout(20_000);
  let peer: ScriptedBroker;
  const consumers = new ScriptedConsumers({
    topicsPattern: `${NS}b-.*`,
    subscriptionType: 'shared',
    operationTimeoutMs: 2000,
    closeTimeoutMs: 2000,
  });

  afterEach(() => consumers.end(peer));

  async function start(
    options: ScriptedBrokerOptions,
    topics: string[],
    opts: ConsumerOptions = {},
  ): Promise<{ c: Consumer; changes: TopicsChangedEvent[] }> {
    peer = await ScriptedBroker.start({ partitions: { 'b-1': 2 }, ...options });
    peer.namespaceTopics = topics.map((t) => NS + t);
    const c = consumers.make(peer, opts);
    const changes: TopicsChangedEvent[] = [];
    c.on('topicsChanged', (e) => changes.push(e));
    await c.start();
    return { c, changes };
  }

  const next = (c: Consumer, ms = 3000): Promise<Message | undefined> => c.receiveWithin(ms);

  const subscribed = () => peer.consumers.map((r) => r.topic).sort();

  it('subscribes the matching topics (a partitioned one as its partitions) and only those', async () => {
    const { changes } = await start({ topicWatchers: true }, ['b-1-partition-0', 'b-1-partition-1', 'b-2', 'a-1', '__change_events']);
    expect(subscribed()).to.deep.equal(['b-1-partition-0', 'b-1-partition-1', 'b-2']);
    expect(changes).to.deep.equal([{ added: [`${NS}b-1`, `${NS}b-2`], removed: [] }]);
  });

  it('without supports_topic_watchers it sends no WATCH_TOPIC_LIST and finds a new topic by GET_TOPICS_OF_NAMESPACE every patternAutoDiscoveryPeriodMs', async () => {
    const { c, changes } = await start({}, ['b-2'], { patternAutoDiscoveryPeriodMs: 100 });
    expect(subscribed()).to.deep.equal(['b-2']);
    peer.namespaceTopics.push(`${NS}b-9`, `${NS}a-9`);
    await peer.waitUntil(() => subscribed().includes('b-9'));
    expect(subscribed()).to.deep.equal(['b-2', 'b-9']);
    expect(peer.count('WATCH_TOPIC_LIST')).to.equal(0);
    expect(peer.count('GET_TOPICS_OF_NAMESPACE')).to.be.greaterThan(1);
    await peer.waitUntil(() => changes.length === 2);
    expect(changes[1]).to.deep.equal({ added: [`${NS}b-9`], removed: [] });
    peer.publish('b-9', { value: 'late' });
    const m = await next(c);
    expect([m?.topic, m?.value.toString()]).to.deep.equal([`${NS}b-9`, 'late']);
  });

  it('a broker that refuses the watch (NotAllowed: pattern too long or evaluation off) is polled instead', async () => {
    peer = undefined as unknown as ScriptedBroker;
    const p = ScriptedBroker.start({ topicWatchers: true });
    peer = await p;
    peer.on('WATCH_TOPIC_LIST', (_cmd, reply) => reply.error(ServerError.NotAllowedError, 'pattern longer than 50'));
    peer.namespaceTopics = [`${NS}b-2`];
    await consumers.start(peer, { topicsPattern: 'b-.*', patternAutoDiscoveryPeriodMs: 100 });
    await peer.waitFor('WATCH_TOPIC_LIST');
    peer.namespaceTopics.push(`${NS}b-3`);
    await peer.waitUntil(() => subscribed().includes('b-3'));
    expect(peer.count('WATCH_TOPIC_LIST')).to.equal(1);
  });

  // the exact moment a real broker cannot be asked for: a topic deleted while subscribed
  it('a topic deleted (WATCH_TOPIC_UPDATE deleted_topics) is closed and reported; the other topics keep delivering', async () => {
    const { c, changes } = await start({ topicWatchers: true }, ['b-1-partition-0', 'b-1-partition-1', 'b-2']);
    await peer.waitUntil(() => peer.watchers.length === 1);
    peer.updateTopicList([], [`${NS}b-2`]);
    await peer.waitUntil(() => changes.length === 2);
    expect(changes[1]).to.deep.equal({ added: [], removed: [`${NS}b-2`] });
    expect(subscribed()).to.deep.equal(['b-1-partition-0', 'b-1-partition-1']);
    expect(peer.received.some((r) => r.command.closeConsumer !== undefined && r.command.type === 16)).to.equal(true);

    // and a partition added through the watch is subscribed without a partitions refresh
    peer.updateTopicList([`${NS}b-1-partition-2`]);
    await peer.waitUntil(() => subscribed().includes('b-1-partition-2'));
    peer.publish('b-1-partition-2', { value: 'on 2' });
    const m = await next(c);
    expect([m?.topic, m?.partition, m?.value.toString()]).to.deep.equal([`${NS}b-1`, 2, 'on 2']);
    expect(changes).to.have.length(2);
  });

  it('a lost watch connection registers again with the last hash; a topic created meanwhile comes in the success', async () => {
    const { changes } = await start({ topicWatchers: true }, ['b-2']);
    const first = (await peer.waitFor('WATCH_TOPIC_LIST', 1)).watchTopicList;
    peer.namespaceTopics.push(`${NS}b-5`);
    peer.closeAll();
    const again = (await peer.waitFor('WATCH_TOPIC_LIST', 2)).watchTopicList;
    expect(again.watcherId).to.equal(first.watcherId);
    expect(again.topicsHash).to.equal(`${NS}b-2`);
    await peer.waitUntil(() => subscribed().includes('b-5') && changes.length === 2);
    expect(changes.at(-1)).to.deep.equal({ added: [`${NS}b-5`], removed: [] });
  });

  it('close() closes the watch on the broker (WATCH_TOPIC_LIST_CLOSE)', async () => {
    const { c } = await start({ topicWatchers: true }, ['b-2']);
    await peer.waitUntil(() => peer.watchers.length === 1);
    await c.close();
    expect(peer.count('WATCH_TOPIC_LIST_CLOSE')).to.equal(1);
    expect(peer.watchers).to.deep.equal([]);
  });

  // Found while building: the broker answers a re-registered watch whose hash still matches with an
  // empty list, which was read as "every topic deleted".
  it('defect: a watch re-registered with an unchanged hash (empty list) made the consumer drop every topic', async () => {
    const { c, changes } = await start({ topicWatchers: true }, ['b-2']);
    await peer.waitUntil(() => peer.watchers.length === 1);
    peer.closeAll();
    await peer.waitFor('WATCH_TOPIC_LIST', 2);
    await peer.waitUntil(() => peer.watchers.length === 1 && subscribed().includes('b-2'));
    expect(changes).to.deep.equal([{ added: [`${NS}b-2`], removed: [] }]);
    peer.publish('b-2', { value: 'still here' });
    expect((await next(c))?.value.toString()).to.equal('still here');
  });

  describe('parseTopicsPattern', () => {
    it('resolves the short forms as the Java TopicName does and matches whole names, partitions by their topic', () => {
      const short = parseTopicsPattern('orders-.*');
      expect([short.namespace, short.text, short.mode]).to.deep.equal(['public/default', `${NS}orders-.*`, TopicsMode.PERSISTENT]);
      expect(short.matches(`${NS}orders-1-partition-3`)).to.equal(true);
      expect(short.matches(`${NS}xorders-1`)).to.equal(false);
      expect(short.matches('persistent://acme/eu/orders-1')).to.equal(false);
      const ns = parseTopicsPattern('acme/eu/orders-[0-9]+');
      expect([ns.namespace, ns.text]).to.deep.equal(['acme/eu', 'persistent://acme/eu/orders-[0-9]+']);
      expect(ns.matches('persistent://acme/eu/orders-12')).to.equal(true);
      const np = parseTopicsPattern('non-persistent://acme/eu/t.*');
      expect(np.mode).to.equal(TopicsMode.NON_PERSISTENT);
    });
  });

  describe('configuration', () => {
    const make = (o: ConsumerOptions) => () => new Consumer({ url: 'pulsar://127.0.0.1:1', ...o }, {});
    it('topics and topicsPattern together are a ConfigError naming both', () => {
      expect(make({ topics: ['a'], topicsPattern: 'b-.*' }))
        .to.throw(ConfigError, /topics and topicsPattern cannot both be set/)
        .with.property('option', 'topicsPattern');
    });
    it('a pattern that is not a regular expression, or names no namespace, or a bad domain, is a ConfigError listing the forms', () => {
      expect(make({ topicsPattern: 'orders-(' })).to.throw(ConfigError, /is not a regular expression.*expected `<regex>`/);
      expect(make({ topicsPattern: 'public/orders-.*' })).to.throw(ConfigError, /does not name a namespace/);
      expect(make({ topicsPattern: 'kafka://a/b/c' })).to.throw(ConfigError, /domain kafka/);
    });
    it('topicsPattern with a kafka:// URL is refused by name', () => {
      expect(() => new Consumer({ url: 'kafka://127.0.0.1:9092', topicsPattern: 'b-.*' }, {})).to.throw(ConfigError, /topicsPattern/);
    });
  });
});

import { expect } from 'chai';
import * as admin from '../../tools/admin';
import { PulsarCluster, startCluster } from '../../tools/cluster';
import { Consumer, ConsumerOptions, Producer, ProducerOptions } from '../../lib';
import { createClientCore } from '../../lib/pulsar/session';
import { parseProducerConfig } from '../../lib/core/config';
import type { MessageId } from '../../lib/pulsar/message-id';
import type { Message } from '../../lib/pulsar/received-message';
import { addressKey } from '../../lib/pulsar/service-url';
import { readBack, sleep, uniqueTopic } from './helpers';

// One real cluster for this file (ZooKeeper, a bookie, two brokers, a proxy), started in before().
// Ownership is always asked of the brokers themselves, through the admin REST API.
describe('Cluster: two brokers and a proxy', function () {
  this.timeout(180_000);
  let c: PulsarCluster;
  const open: Array<{ close(): Promise<void> }> = [];

  before(async function () {
    this.timeout(400_000);
    c = await startCluster();
    await admin.setNamespaceDeduplication(c.brokers[0].adminUrl, 'public/default', true);
  });
  after(async function () {
    this.timeout(90_000);
    await c?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
  });

  const live = () => c.brokers.filter((b) => b.process.group.exitCode() === undefined);
  const adminUrl = () => live()[0].adminUrl;

  /** The owner's pulsar:// URL, as the brokers' HTTP lookup answers (following their redirects). */
  async function ownerOf(topic: string): Promise<string> {
    const res = await fetch(`${adminUrl()}/lookup/v2/topic/${admin.topicPath(topic)}`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`lookup of ${topic}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { brokerUrl: string }).brokerUrl;
  }
  async function owners(topic: string, partitions: number): Promise<string[]> {
    return Promise.all(Array.from({ length: partitions }, (_, i) => ownerOf(`${topic}-partition-${i}`)));
  }
  async function bundleOf(topic: string): Promise<string> {
    const res = await fetch(`${adminUrl()}/lookup/v2/topic/${admin.topicPath(topic)}/bundle`, { signal: AbortSignal.timeout(30_000) });
    const text = (await res.text()).trim();
    if (!res.ok) throw new Error(`bundle of ${topic}: ${res.status} ${text}`);
    return text.replace(/^"|"$/g, '');
  }
  /** Unloads the bundle holding `topic` onto the broker whose service URL is `toServiceUrl`. */
  async function moveTo(topic: string, toServiceUrl: string): Promise<void> {
    const to = c.brokers.find((b) => b.serviceUrl === toServiceUrl)!;
    const res = await fetch(`${adminUrl()}/admin/v2/namespaces/public/default/${await bundleOf(topic)}/unload?destinationBroker=${to.id}`, {
      method: 'PUT',
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`unload: ${res.status} ${await res.text()}`);
    for (let i = 0; i < 50 && (await ownerOf(topic)) !== toServiceUrl; i++) await sleep(200);
  }
  /** A partitioned topic whose partitions are spread over both brokers (moving one if the load manager put all on one). */
  async function spreadTopic(base: string, partitions: number): Promise<{ topic: string; owners: string[] }> {
    const topic = uniqueTopic(base);
    await admin.createPartitionedTopic(adminUrl(), topic, partitions);
    let o = await owners(topic, partitions);
    if (new Set(o).size === 1) {
      await moveTo(`${topic}-partition-0`, c.brokers.find((b) => b.serviceUrl !== o[0])!.serviceUrl);
      o = await owners(topic, partitions);
    }
    return { topic, owners: o };
  }
  async function producer(opts: ProducerOptions): Promise<Producer<MessageId>> {
    const p = new Producer<MessageId>({ sendTimeoutMs: 120_000, ...opts }, {});
    open.push(p);
    await p.start();
    return p;
  }
  async function liveConsumer(opts: ConsumerOptions, got: Message[]): Promise<Consumer> {
    const k = new Consumer(
      {
        subscriptionInitialPosition: 'earliest',
        subscription: `live-${Date.now()}`,
        ...opts,
        handleMessages: (ms) => void got.push(...ms),
      },
      {},
    );
    open.push(k);
    await k.start();
    return k;
  }
  async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }
  /** Sends `n` messages `gapMs` apart; `at(i)` runs before message i. Resolves with every send's outcome. */
  async function stream(
    p: Producer<MessageId>,
    topic: string,
    n: number,
    gapMs: number,
    at: (i: number) => Promise<void> | void = () => undefined,
  ) {
    const outcomes: Array<PromiseSettledResult<MessageId>> = new Array(n);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      await at(i);
      sends.push(
        p.produceSync(topic, `k${i}`, `m${i}`).then(
          (v) => void (outcomes[i] = { status: 'fulfilled', value: v }),
          (e) => void (outcomes[i] = { status: 'rejected', reason: e }),
        ),
      );
      await sleep(gapMs);
    }
    // every send settles (no send may hang); the test timeout bounds the wait
    await Promise.all(sends);
    return outcomes;
  }
  const valuesOf = (ms: Message[]) => ms.map((m) => m.value.toString());
  const expectExactly = (values: string[], n: number) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const missing = Array.from({ length: n }, (_, i) => `m${i}`).filter((v) => !counts.has(v));
    const duplicated = [...counts].filter(([, k]) => k > 1).map(([v]) => v);
    expect({ missing, duplicated, total: values.length }).to.deep.equal({ missing: [], duplicated: [], total: n });
  };

  it('partitions of one topic are owned by different brokers; the client follows lookup redirects to both', async () => {
    const { topic, owners: o } = await spreadTopic('spread', 8);
    expect(new Set(o)).to.have.property('size', 2);
    // only broker 1 in the service URL: partitions owned by broker 2 are reached through redirects
    const p = await producer({ url: c.brokers[0].serviceUrl, topics: [topic], partitionStrategy: 'round_robin' });
    await Promise.all(Array.from({ length: 80 }, (_, i) => p.produceSync(topic, `k${i}`, `m${i}`)));
    const stats = await admin.partitionedStats(adminUrl(), topic);
    for (let i = 0; i < 8; i++) expect(stats.partitions[`${topic}-partition-${i}`].msgInCounter, `partition ${i}`).to.equal(10);
    expectExactly(valuesOf(await readBack(c.brokers[0].serviceUrl, topic, 80)), 80);
  });

  it('pulsar+ssl:// to the brokers: redirects follow the TLS URLs', async () => {
    const { topic, owners: o } = await spreadTopic('spread-tls', 4);
    expect(new Set(o)).to.have.property('size', 2);
    const p = await producer({
      url: c.brokers[0].serviceUrlTls,
      tlsCaFile: c.pki.caCert,
      topics: [topic],
      partitionStrategy: 'round_robin',
    });
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.produceSync(topic, `k${i}`, `m${i}`)));
    expectExactly(valuesOf(await readBack(c.brokers[0].serviceUrlTls, topic, 40, { tlsCaFile: c.pki.caCert })), 40);
  });

  for (const tls of [false, true]) {
    it(`produces and consumes through the proxy (${tls ? 'pulsar+ssl' : 'pulsar'}://), reaching both brokers`, async () => {
      const { topic, owners: o } = await spreadTopic(`proxied-${tls ? 'tls' : 'plain'}`, 4);
      expect(new Set(o)).to.have.property('size', 2);
      const opts = tls ? { url: c.proxyUrlTls, tlsCaFile: c.pki.caCert } : { url: c.proxyUrl };
      const p = await producer({ ...opts, topics: [topic], partitionStrategy: 'round_robin' });
      await Promise.all(Array.from({ length: 40 }, (_, i) => p.produceSync(topic, `k${i}`, `m${i}`)));
      const stats = await admin.partitionedStats(adminUrl(), topic);
      for (let i = 0; i < 4; i++) expect(stats.partitions[`${topic}-partition-${i}`].msgInCounter).to.equal(10);
      expectExactly(valuesOf(await readBack(opts.url, topic, 40, opts)), 40);
    });
  }

  it('listenerName: the lookup asks for the named listener and the client connects to its port', async () => {
    const { topic, owners: o } = await spreadTopic('listener', 2);
    const external = (owner: string) => c.brokers.find((b) => b.serviceUrl === owner)!.externalUrl;
    const core = createClientCore(parseProducerConfig({ url: c.brokers[0].serviceUrl, listenerName: 'external' }, {}));
    try {
      for (let i = 0; i < 2; i++) {
        const where = await core.lookup.lookup(`${topic}-partition-${i}`);
        expect(addressKey(where.address)).to.equal(external(o[i]));
        expect(where.proxyToBrokerUrl).to.equal(undefined);
        // the external port speaks the protocol: CONNECT there completes
        const conn = await core.pool.get(where.address);
        expect(conn.serverVersion).to.match(/Pulsar|4\./);
      }
    } finally {
      await core.pool.close();
    }
    const p = await producer({ url: c.brokers[0].serviceUrl, listenerName: 'external', topics: [topic], partitionStrategy: 'round_robin' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.produceSync(topic, `k${i}`, `m${i}`)));
    expectExactly(valuesOf(await readBack(c.brokers[0].serviceUrl, topic, 20, { listenerName: 'external' })), 20);
  });

  it('an unload moves a partition to the other broker; producer and consumer follow, nothing lost or duplicated', async () => {
    const { topic, owners: o } = await spreadTopic('unload', 2);
    const got: Message[] = [];
    await liveConsumer({ url: c.serviceUrl, topics: [topic] }, got);
    const p = await producer({ url: c.serviceUrl, topics: [topic], partitionStrategy: 'round_robin' });
    const from = o[0];
    const to = c.brokers.find((b) => b.serviceUrl !== from)!.serviceUrl;
    const n = 200;
    const outcomes = await stream(p, topic, n, 20, (i) => (i === n / 2 ? moveTo(`${topic}-partition-0`, to) : undefined));
    expect(await ownerOf(`${topic}-partition-0`)).to.equal(to);
    expect(outcomes.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason))).to.deep.equal([]);
    await until('the live consumer to receive every message', () => got.length >= n);
    await sleep(500); // a late duplicate would show up here
    expectExactly(valuesOf(got), n);
    expectExactly(valuesOf(await readBack(c.serviceUrl, topic, n)), n);
  });

  // last: the killed broker stays down for the rest of the run
  it('SIGKILL of a broker: its partitions fail over, in-flight sends are resent, 0 lost / 0 duplicated / 0 never settled', async function () {
    this.timeout(300_000);
    const { topic, owners: o } = await spreadTopic('failover', 2);
    const victim = c.brokers.find((b) => b.serviceUrl === o[0])!;
    const survivor = c.brokers.find((b) => b !== victim)!;
    const p = await producer({ url: c.serviceUrl, topics: [topic], partitionStrategy: 'round_robin' });
    const n = 300;
    const t0 = Date.now();
    let killedAt = 0;
    const outcomes = await stream(p, topic, n, 30, (i) => {
      if (i === 100) {
        victim.kill();
        killedAt = Date.now();
      }
    });
    const settledAfterKill = (Date.now() - killedAt) / 1000;
    expect(victim.process.group.exitCode()).to.not.equal(undefined);
    expect(await ownerOf(`${topic}-partition-0`)).to.equal(survivor.serviceUrl);
    const rejected = outcomes.filter((x) => x.status === 'rejected').map((x) => String((x as PromiseRejectedResult).reason));
    expect(rejected, 'lost sends').to.deep.equal([]);
    expect(
      Array.from(outcomes).filter((x) => x === undefined),
      'never settled',
    ).to.have.length(0);
    expectExactly(valuesOf(await readBack(survivor.serviceUrl, topic, n)), n);
    console.log(
      `      (failover: every send settled ${settledAfterKill.toFixed(1)} s after the SIGKILL; run took ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  });
});

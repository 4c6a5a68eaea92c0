import { expect } from 'chai';
import { Consumer } from '../../lib/core/consumer';
import type { MessageId } from '../../lib/pulsar/message-id';
import { ConfigError, CortadoError } from '../../lib/core/errors';
import type { Message } from '../../lib/pulsar/received-message';
import * as admin from '../../tools/admin';
import { javaProduce } from '../../tools/java-client';
import { javaHome, readBack, sleep, uniqueTopic, withBroker } from './helpers';

describe('Consumer against a real Pulsar broker', function () {
  this.timeout(120_000);
  const b = withBroker();
  const { producer, consumer } = b;

  /** Collects messages until `count` arrived or the deadline passed. */
  function collect(received: Message[], count: number, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        if (received.length >= count) {
          clearInterval(tick);
          resolve();
        } else if (Date.now() - t0 > ms) {
          clearInterval(tick);
          reject(new Error(`got ${received.length} of ${count} messages`));
        }
      }, 20);
    });
  }

  it('reads back every field the producer writes', async () => {
    const topic = uniqueTopic('fields');
    const p = await producer({ topics: [topic], producerName: `named-${Date.now()}` });
    await p.produceSync(topic, 'key-1', 'value-1', { properties: { a: '1', b: '2' }, eventTime: 1_700_000_000_000, orderingKey: 'ok' });
    await p.produceSync(topic, Buffer.from([0xde, 0xad]), null);
    const [m1, m2] = await readBack(b.broker.serviceUrl, topic, 2);
    expect(m1).to.include({
      topic,
      partition: 0,
      key: 'key-1',
      eventTime: 1_700_000_000_000,
      producerName: p.config.producerName,
      redeliveryCount: 0,
      sequenceId: 0,
    });
    expect(m1.value.toString()).to.equal('value-1');
    expect(m1.properties).to.deep.equal({ a: '1', b: '2' });
    expect(m1.orderingKey!.toString()).to.equal('ok');
    expect(m1.publishTime).to.be.closeTo(Date.now(), 60_000);
    expect((m1.messageId as MessageId).ledgerId).to.be.a('number');
    expect([...m2.keyBytes!]).to.deep.equal([0xde, 0xad]);
    expect(m2.nullValue).to.equal(true);
    expect(m2.value.length).to.equal(0);
  });

  it('reads a 4-partition topic whole, each partition in order', async () => {
    const topic = uniqueTopic('whole');
    await admin.createPartitionedTopic(b.broker.adminUrl, topic, 4);
    const p = await producer({ topics: [topic] });
    await Promise.all(Array.from({ length: 400 }, (_, i) => p.produceSync(topic, `k${i % 37}`, `${i}`)));
    const back = await readBack(b.broker.serviceUrl, topic, 400);
    expect(new Set(back.map((m) => m.value.toString())).size).to.equal(400);
    expect(new Set(back.map((m) => m.partition))).to.deep.equal(new Set([0, 1, 2, 3]));
    for (let part = 0; part < 4; part++) {
      const seq = back.filter((m) => m.partition === part).map((m) => Number(m.value.toString()));
      expect(seq).to.deep.equal([...seq].sort((a, b) => a - b));
    }
  });

  it('decodes batches, every codec and chunked messages', async function () {
    this.timeout(180_000);
    const topic = uniqueTopic('decode-all');
    const expected: string[] = [];
    for (const compression of ['none', 'lz4', 'zlib', 'snappy', 'zstd'] as const) {
      const p = await producer({ topics: [topic], compression, batchingEnabled: true, batchingMaxMessages: 4 });
      const vals = [0, 1, 2, 3].map((i) => `${compression}-${i}-`.repeat(50));
      await Promise.all(vals.map((v) => p.produceSync(topic, 'k', v)));
      expected.push(...vals);
    }
    const pc = await producer({ topics: [topic], chunkingEnabled: true, maxMessageSize: 256 * 1024, compression: 'lz4' });
    const big = 'chunk-me '.repeat(200_000);
    await pc.produceSync(topic, 'k', big);
    expected.push(big);
    const back = await readBack(b.broker.serviceUrl, topic, expected.length);
    expect(back.map((m) => m.value.toString())).to.deep.equal(expected);
  });

  it('reads messages produced by the Java client', async function () {
    this.timeout(120_000);
    const topic = uniqueTopic('from-java');
    await javaProduce(javaHome(this, b.broker), b.broker.serviceUrl, topic, { messages: ['j1', 'j2', 'j3'] });
    const back = await readBack(b.broker.serviceUrl, topic, 3);
    expect(back.map((m) => m.value.toString())).to.deep.equal(['j1', 'j2', 'j3']);
  });

  it('delivers delayed messages no earlier than their time', async () => {
    const topic = uniqueTopic('consume-delayed');
    const c = await consumer({ topics: [topic], subscription: 'd', subscriptionType: 'shared' });
    const p = await producer({ topics: [topic] });
    const t0 = Date.now();
    await p.produceSync(topic, 'k', 'late', { deliverAfter: 2000 });
    const r = await c.receive();
    expect(r.value!.value.toString()).to.equal('late');
    expect(Date.now() - t0).to.be.at.least(1900);
  });

  it('keeps per-key order on Key_Shared subscriptions', async () => {
    const topic = uniqueTopic('key-shared');
    const a: Message[] = [];
    const b: Message[] = [];
    const opts = { topics: [topic], subscription: 'ks', subscriptionType: 'key_shared' as const };
    const ca = await consumer({ ...opts, handleMessages: (ms) => void a.push(...ms) });
    const cb = await consumer({ ...opts, handleMessages: (ms) => void b.push(...ms) });
    const p = await producer({ topics: [topic] });
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.produceSync(topic, `key${i % 10}`, `${i}`)));
    const t0 = Date.now();
    while (a.length + b.length < 200 && Date.now() - t0 < 20_000) await sleep(50);
    expect(a.length + b.length).to.equal(200);
    for (const got of [a, b]) {
      const byKey = new Map<string, number[]>();
      for (const m of got) byKey.set(m.key!, [...(byKey.get(m.key!) ?? []), Number(m.value.toString())]);
      for (const seq of byKey.values()) expect(seq).to.deep.equal([...seq].sort((x, y) => x - y));
    }
    // a key lives on one consumer only
    const keysA = new Set(a.map((m) => m.key));
    expect(b.some((m) => keysA.has(m.key))).to.equal(false);
    await ca.close();
    await cb.close();
  });

  it('redelivers unacknowledged messages after the consumer reconnects', async () => {
    const topic = uniqueTopic('redeliver');
    const p = await producer({ topics: [topic] });
    await Promise.all([0, 1, 2].map((i) => p.produceSync(topic, 'k', `m${i}`)));
    const c1 = await consumer({ topics: [topic], subscription: 'again' });
    const first = await c1.receive();
    c1.ack(first.value!);
    await c1.receive(); // m1: received, never acknowledged
    await sleep(300);
    await admin.unload(b.broker.adminUrl, topic); // the broker drops the connection's consumer
    const again = await c1.receive();
    expect(['m1', 'm2']).to.include(again.value!.value.toString());
    await c1.close();
    const back = await readBack(b.broker.serviceUrl, topic, 2, { subscription: 'again' });
    expect(back.map((m) => m.value.toString())).to.deep.equal(['m1', 'm2']);
  });

  it('keeps acks made across an unload and does not hand acknowledged messages over again', async () => {
    const topic = uniqueTopic('ack-unload');
    const p = await producer({ topics: [topic] });
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.produceSync(topic, 'k', `m${i}`)));
    // acks wait long enough in the group that they are made before, and sent after, the reconnect
    const c = await consumer({ topics: [topic], subscription: 'across', ackGroupTimeMs: 3000 });
    const got: Message[] = [];
    while (got.length < 20) got.push((await c.receive()).value!);
    await admin.unload(b.broker.adminUrl, topic);
    for (const m of got) c.ack(m);
    const extra = await Promise.race([c.receive().then((r) => r.value), sleep(4000).then(() => undefined)]);
    expect(extra, 'an acknowledged message came again').to.equal(undefined);
    await c.close();
    const stats = await admin.topicStats(b.broker.adminUrl, topic);
    expect(stats.subscriptions.across.msgBacklog).to.equal(0);
  });

  it('close() waits for running handlers and keeps their acks', async () => {
    const topic = uniqueTopic('close-waits');
    const p = await producer({ topics: [topic] });
    await Promise.all(Array.from({ length: 5 }, (_, i) => p.produceSync(topic, 'k', `m${i}`)));
    let started = false;
    const handled: string[] = [];
    const c = await consumer({
      topics: [topic],
      subscription: 'graceful',
      maxHandlerBatch: 5,
      handleMessages: async (ms) => {
        started = true;
        await sleep(1000);
        handled.push(...ms.map((m) => m.value.toString()));
      },
    });
    const t0 = Date.now();
    while (!started && Date.now() - t0 < 10_000) await sleep(20);
    expect(started).to.equal(true);
    await c.close();
    expect(handled.length).to.be.greaterThan(0);
    const stats = await admin.topicStats(b.broker.adminUrl, topic);
    // everything handled before close() returned was acknowledged; nothing else was started
    expect(stats.subscriptions.graceful.msgBacklog).to.equal(5 - handled.length);
  });

  it('fails over to the standby consumer on a Failover subscription', async () => {
    const topic = uniqueTopic('failover');
    const p = await producer({ topics: [topic] });
    const first = await consumer({ topics: [topic], subscription: 'fo', subscriptionType: 'failover', consumerName: 'a' });
    const second = await consumer({ topics: [topic], subscription: 'fo', subscriptionType: 'failover', consumerName: 'b' });
    await p.produceSync(topic, 'k', 'one');
    const pending = new Map([
      [first, first.receive()],
      [second, second.receive()],
    ]);
    const winner = await Promise.race([...pending].map(([c, r]) => r.then((x) => ({ c, m: x.value! }))));
    expect(winner.m.value.toString()).to.equal('one');
    winner.c.ack(winner.m);
    const standby = winner.c === first ? second : first;
    await winner.c.close();
    await p.produceSync(topic, 'k', 'two');
    // the standby's receive, waiting since before the switch, gets the next message
    const r = await pending.get(standby)!;
    expect(r.value!.value.toString()).to.equal('two');
  });

  it('acknowledges cumulatively up to a message', async () => {
    const topic = uniqueTopic('cumulative');
    const p = await producer({ topics: [topic] });
    await Promise.all([0, 1, 2, 3, 4].map((i) => p.produceSync(topic, 'k', `c${i}`)));
    const c = await consumer({ topics: [topic], subscription: 'cum' });
    let last;
    for (let i = 0; i < 3; i++) last = (await c.receive()).value!;
    c.ackCumulative(last!);
    await sleep(500);
    const stats = (await admin.topicStats(b.broker.adminUrl, topic)) as { subscriptions: Record<string, { msgBacklog: number }> };
    expect(stats.subscriptions.cum.msgBacklog).to.equal(2);
  });

  it('reports the end of a terminated topic', async () => {
    const topic = uniqueTopic('terminated');
    const p = await producer({ topics: [topic] });
    await p.produceSync(topic, 'k', 'last words');
    await p.close();
    const c = await consumer({ topics: [topic], subscription: 'end' });
    const ended = new Promise<string>((resolve) => c.on('endOfTopic', (t: string) => resolve(t)));
    const m = (await c.receive()).value!;
    c.ack(m);
    await admin.terminate(b.broker.adminUrl, topic);
    expect(await ended).to.equal(topic);
    expect(c.reachedEndOfTopics).to.equal(true);
  });

  describe('Kaffe-style handler', () => {
    it('acks on return, leaves on { ack: false }, redelivers on throw', async () => {
      const topic = uniqueTopic('handler');
      const p = await producer({ topics: [topic] });
      await Promise.all(['ack-me', 'leave-me', 'throw-me'].map((v) => p.produceSync(topic, 'k', v)));
      const calls: string[] = [];
      let thrown = 0;
      const errors: Error[] = [];
      const c = await consumer({
        topics: [topic],
        subscription: 'h',
        subscriptionType: 'shared',
        maxHandlerBatch: 1,
        negativeAckRedeliveryDelayMs: 200,
        handleMessages: (ms) => {
          const v = ms[0].value.toString();
          calls.push(`${v}:${ms[0].redeliveryCount}`);
          if (v === 'leave-me') return { ack: false };
          if (v === 'throw-me' && thrown++ === 0) throw new Error('handler failed');
          return undefined;
        },
      });
      c.on('handlerError', (e: Error) => errors.push(e));
      const t0 = Date.now();
      while (!calls.includes('throw-me:1') && Date.now() - t0 < 15_000) await sleep(50);
      expect(calls).to.include.members(['ack-me:0', 'leave-me:0', 'throw-me:0', 'throw-me:1']);
      expect(errors[0].message).to.equal('handler failed');
      await sleep(500);
      const stats = (await admin.topicStats(b.broker.adminUrl, topic)) as { subscriptions: Record<string, { unackedMessages: number }> };
      expect(stats.subscriptions.h.unackedMessages).to.equal(1); // leave-me
    });

    it('bounds a handler that never resolves by the handler timeout', async () => {
      const topic = uniqueTopic('handler-hang');
      const p = await producer({ topics: [topic] });
      await p.produceSync(topic, 'k', 'hang');
      const errors: Error[] = [];
      let calls = 0;
      const c = await consumer({
        topics: [topic],
        subscription: 'hang',
        subscriptionType: 'shared',
        handlerTimeoutMs: 300,
        negativeAckRedeliveryDelayMs: 100,
        handleMessages: () => (calls++ === 0 ? new Promise(() => undefined) : undefined),
      });
      c.on('handlerError', (e: Error) => errors.push(e));
      const t0 = Date.now();
      while (calls < 2 && Date.now() - t0 < 10_000) await sleep(50);
      expect(calls).to.equal(2);
      expect(errors[0].message).to.include('did not finish within 300 ms');
    });

    for (const allocation of ['worker_per_topic_partition', 'worker_per_partition'] as const) {
      it(`handles one partition at a time and partitions in parallel (${allocation})`, async () => {
        const topic = uniqueTopic(`handler-par-${allocation}`);
        await admin.createPartitionedTopic(b.broker.adminUrl, topic, 4);
        const p = await producer({ topics: [topic], partitionStrategy: 'round_robin' });
        await Promise.all(Array.from({ length: 80 }, (_, i) => p.produceSync(topic, `k${i}`, `${i}`)));
        const busy = new Set<number>();
        let overlapSamePartition = false;
        let maxParallel = 0;
        const seen: Message[] = [];
        const c = await consumer({
          topics: [topic],
          subscription: 'par',
          workerAllocation: allocation,
          maxHandlerBatch: 5,
          handleMessages: async (ms) => {
            const part = ms[0].partition;
            expect(ms.every((m) => m.partition === part)).to.equal(true);
            if (busy.has(part)) overlapSamePartition = true;
            busy.add(part);
            maxParallel = Math.max(maxParallel, busy.size);
            await sleep(20);
            busy.delete(part);
            seen.push(...ms);
          },
        });
        await collect(seen, 80);
        expect(overlapSamePartition).to.equal(false);
        expect(maxParallel).to.be.greaterThan(1);
        for (let part = 0; part < 4; part++) {
          const seq = seen.filter((m) => m.partition === part).map((m) => Number(m.value.toString()));
          expect(seq).to.deep.equal([...seq].sort((a, b) => a - b));
        }
        expect(c.workers!.names().sort()).to.have.length(allocation === 'worker_per_partition' ? 4 : 4);
      });
    }
  });

  describe('bad input', () => {
    it('refuses an unknown subscription type at construction', () => {
      expect(() => new Consumer({}, { CORTADO_SUBSCRIPTION_TYPE: 'broadcast' })).to.throw(
        ConfigError,
        /exclusive\|shared\|failover\|key_shared/,
      );
    });

    it('reports a topic the broker refuses with a typed error', async () => {
      const e = await consumer({ topics: ['persistent://no-such-tenant/ns/t'], subscription: 's' }).catch((x) => x);
      expect(e).to.be.instanceOf(CortadoError);
    });
  });
});

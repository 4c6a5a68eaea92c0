import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { ClosedError } from '../../lib';
import { createPartitionedTopic, unload, updatePartitions } from '../../tools/admin';
import { CHANNELS, ConnectionEvent, HandlerStateEvent, LookupEvent, ReceiveEvent, SendEvent } from '../../lib/core/diagnostics';
import type { PartitionEvent, PartitionsChangedEvent, ReconnectingEvent } from '../../lib/core/events';
import { recordingLogger } from '../support/recording-logger';
import { sleep, uniqueTopic, withBroker } from './helpers';

function listen<M>(name: string): { seen: M[]; stop(): void } {
  const seen: M[] = [];
  const fn = (m: unknown) => void seen.push(m as M);
  diagnostics_channel.subscribe(name, fn);
  return { seen, stop: () => diagnostics_channel.unsubscribe(name, fn) };
}

describe('observability against the broker', () => {
  const b = withBroker();

  it('publishes connection open/close and lookups, and logs them through the logger option', async function () {
    this.timeout(120_000);
    const connections = listen<ConnectionEvent>(CHANNELS.connection);
    const lookups = listen<LookupEvent>(CHANNELS.lookup);
    const logger = recordingLogger();
    const topic = uniqueTopic('observe');
    try {
      const p = await b.producer({ topics: [topic], logger, logLevel: 'debug', authToken: 'never-logged-token' });
      await p.produceSync(topic, 'k', 'v');
      await p.close();
      const broker = `pulsar://${new URL(b.broker.serviceUrl).host}`;
      const opened = connections.seen.filter((e) => e.event === 'open');
      expect(opened.length).to.be.greaterThan(0);
      expect(opened[0].broker).to.equal(broker);
      expect(opened[0].serverVersion).to.match(/Pulsar/i);
      expect(opened[0].protocolVersion).to.be.greaterThan(0);
      const closed = connections.seen.filter((e) => e.event === 'close');
      expect(closed.map((e) => e.broker)).to.deep.equal(opened.map((e) => e.broker));
      expect(closed[0].error).to.be.instanceOf(ClosedError);

      const meta = lookups.seen.find((e) => e.event === 'partitionedMetadata' && e.topic === topic);
      expect(meta?.partitions).to.equal(0);
      const owner = lookups.seen.find((e) => e.event === 'lookup' && e.topic === topic);
      expect(owner?.broker).to.be.a('string');
      expect(owner?.redirects).to.be.a('number');
      expect(owner?.durationMs).to.be.at.least(0);

      const messages = logger.lines.map((l) => l.args[l.args.length - 1]);
      expect(messages).to.include('connected to broker').and.include('lookup answered').and.include('connection closed');
      expect(JSON.stringify(logger.lines)).to.not.include('never-logged-token');
    } finally {
      connections.stop();
      lookups.stop();
    }
  });

  it('publishes a failed lookup with its typed error and logs it as a warning', async function () {
    this.timeout(60_000);
    const lookups = listen<LookupEvent>(CHANNELS.lookup);
    const logger = recordingLogger();
    try {
      await b.producer({ topics: ['persistent://no-such-tenant/ns/t'], logger }).then(
        () => expect.fail('the producer started on a missing tenant'),
        () => undefined,
      );
      const failed = lookups.seen.find((e) => e.topic === 'persistent://no-such-tenant/ns/t' && e.error);
      expect(failed?.error?.code).to.be.a('string');
      expect(logger.lines.some((l) => l.level === 'warn' && String(l.args[1]).endsWith('failed'))).to.equal(true);
      // info is the default level: the debug lines are not written
      expect(logger.lines.some((l) => l.level === 'debug')).to.equal(false);
    } finally {
      lookups.stop();
    }
  });

  it('emits producer and consumer events and publishes state, send and receive on their channels', async function () {
    this.timeout(180_000);
    const producerStates = listen<HandlerStateEvent>(CHANNELS.producer);
    const consumerStates = listen<HandlerStateEvent>(CHANNELS.consumer);
    const sends = listen<SendEvent>(CHANNELS.send);
    const receives = listen<ReceiveEvent>(CHANNELS.receive);
    const topic = uniqueTopic('producer-events');
    try {
      await createPartitionedTopic(b.broker.adminUrl, topic, 2);
      const consumer = await b.consumer({ topics: [topic], subscription: 'events' });
      const consumerConnected: PartitionEvent[] = [];
      const consumerReconnecting: ReconnectingEvent[] = [];
      consumer.on('connected', (e) => consumerConnected.push(e));
      consumer.on('reconnecting', (e) => consumerReconnecting.push(e));
      const p = new EventsProbe();
      const producer = await b.producer({ topics: [topic], partitionStrategy: 'round_robin', partitionsRefreshIntervalMs: 0 });
      // events of the start itself happened before a listener could be added: the channels saw them
      expect(producerStates.seen.filter((e) => e.topic.startsWith(topic) && e.to === 'ready')).to.have.length(2);
      expect(consumerStates.seen.filter((e) => e.topic.startsWith(topic) && e.to === 'ready')).to.have.length(2);
      p.attach(producer);

      const ids = await Promise.all([producer.produce(topic, 'a', 'one'), producer.produce(topic, 'b', 'two')]);
      // one object per send, published at start and again at its end
      const started = [...new Set(sends.seen.filter((e) => e.topic === topic))];
      expect(started.map((e) => e.phase)).to.deep.equal(['end', 'end']);
      expect(started.map((e) => e.messageId!.entryId)).to.deep.equal(ids.map((id) => id.entryId));
      expect(started.every((e) => e.bytes === 3 && e.durationMs! >= 0)).to.equal(true);
      const got = [await consumer.receive(), await consumer.receive()];
      const seenIds = receives.seen.filter((e) => e.topic === topic).map((e) => `${e.partition}:${e.messageId.entryId}`);
      expect(seenIds.sort()).to.deep.equal(got.map((r) => `${r.value!.partition}:${r.value!.messageId.entryId}`).sort());
      for (const r of got) consumer.ack(r.value!);

      // an unload makes every registration go round: reconnecting, then connected, per partition
      await unload(b.broker.adminUrl, topic);
      await waitFor(() => p.connected.length >= 2 && consumerConnected.length >= 2, 'reconnects after the unload');
      expect(p.reconnecting.map((e) => e.partition).sort()).to.deep.equal([0, 1]);
      expect(p.connected.map((e) => e.partition).sort()).to.deep.equal([0, 1]);
      expect(consumerReconnecting.map((e) => e.partition).sort()).to.deep.equal([0, 1]);
      expect(producerStates.seen.some((e) => e.topic === `${topic}-partition-0` && e.from === 'ready' && e.to === 'connecting')).to.equal(
        true,
      );

      await updatePartitions(b.broker.adminUrl, topic, 3);
      await producer.refreshPartitions();
      expect(p.partitionsChanged).to.deep.equal([{ topic, from: 2, to: 3 }]);
      await producer.produceSync(topic, 2, 'c', 'three');
    } finally {
      for (const l of [producerStates, consumerStates, sends, receives]) l.stop();
    }
  });
});

/** Records a Producer's events. */
class EventsProbe {
  readonly connected: PartitionEvent[] = [];
  readonly reconnecting: ReconnectingEvent[] = [];
  readonly partitionsChanged: PartitionsChangedEvent[] = [];

  attach(p: import('../../lib').Producer): void {
    p.on('connected', (e) => this.connected.push(e));
    p.on('reconnecting', (e) => this.reconnecting.push(e));
    p.on('partitionsChanged', (e) => this.partitionsChanged.push(e));
  }
}

async function waitFor(ok: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

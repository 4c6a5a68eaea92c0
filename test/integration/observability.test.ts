import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { ClosedError } from '../../lib';
import { CHANNELS, ConnectionEvent, LookupEvent } from '../../lib/diagnostics';
import { recordingLogger } from '../support/recording-logger';
import { uniqueTopic, withBroker } from './helpers';

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
});

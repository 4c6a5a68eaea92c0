import { expect } from 'chai';
import { Producer, ProducerOptions } from '../../../../lib';
import { Connection } from '../../../../lib/pulsar/connection';
import { ConnectionError, TimeoutError } from '../../../../lib/core/errors';
import type { MessageId } from '../../../../lib/pulsar/message-id';
import { FakeTime, fakeTime } from '../../../support/fake-time';
import { outcome as settle } from '../../../support/fake-producer-connection';
import { ScriptedBroker, ServerError } from '../../../support/scripted-broker';

// A broker that stops answering (SIGSTOP: the kernel still accepts and buffers) and comes back,
// on the scripted peer with fake time: keep-alive, reconnect backoff and the whole freeze and thaw.
describe('a broker that freezes and thaws (scripted peer, fake time)', () => {
  let peer: ScriptedBroker;
  let time: FakeTime;
  const open: Producer<MessageId>[] = [];

  beforeEach(async () => {
    peer = await ScriptedBroker.start({ partitions: { parted: 4 } });
    time = fakeTime();
  });

  afterEach(async () => {
    time.restore();
    await Promise.all(open.splice(0).map((p) => p.close()));
    await peer.stop();
    expect(peer.errors).to.deep.equal([]);
  });

  function producer(opts: ProducerOptions = {}): Producer<MessageId> {
    const p = new Producer<MessageId>({ url: peer.url, sendTimeoutMs: 30_000, ...opts }, {});
    open.push(p);
    return p;
  }

  async function connect(): Promise<Connection> {
    const opening = Connection.connect(
      { host: '127.0.0.1', port: peer.port, tls: false },
      {
        connectTimeoutMs: 10_000,
        operationTimeoutMs: 30_000,
        keepAliveIntervalMs: 30_000,
        clientVersion: 'test',
      },
    );
    let conn: Connection | undefined;
    void opening.then((c) => (conn = c));
    await time.until(() => conn !== undefined, 5000);
    return conn!;
  }

  it('defect keep-alive after two silent intervals: a broker that stops answering is dropped within two intervals, as the references do', async () => {
    const conn = await connect();
    peer.freeze();
    // the first tick sends a PING that goes unanswered; the second one closes
    await time.run(59_500);
    expect(conn.closed).to.equal(false);
    await time.run(1000);
    expect(conn.closedError).to.be.instanceOf(ConnectionError);
    expect(conn.closedError!.message).to.include('did not answer a PING');
  });

  it('keep-alive: a broker that answers its PINGs keeps the connection however long nothing else happens', async () => {
    const conn = await connect();
    await time.run(300_000, 500);
    expect(conn.closed).to.equal(false);
    expect(peer.count('PING')).to.be.at.least(9);
    conn.destroy();
  });

  it('defect reconnect backoff without a mandatory stop: a producer refused for 27.5 s after a loss registers again before its 30 s send timeout', async () => {
    const p = producer({ topics: ['plain'] });
    const started = settle(p.start());
    await time.until(() => peer.producers.length === 1, 5000);
    await started;
    const lostAt = Date.now();
    peer.on('PRODUCER', (_c, reply) => (Date.now() - lostAt < 27_500 ? reply.error(ServerError.ServiceNotReady, 'loading') : reply.ok()));
    let lost = false;
    p.once('reconnecting', () => (lost = true));
    peer.closeProducer();
    await time.until(() => lost, 1000, 10);
    const sent = settle(p.produceSync('plain', 'k', 'held through the loss'));
    let outcome: MessageId | Error | undefined;
    void sent.then((o) => (outcome = o));
    // doubling alone (…, 12.8 s, 25.6 s) would wait past 30 s; the references retry by sendTimeout - 100 ms
    await time.until(() => outcome !== undefined, 31_000, 10);
    expect(outcome).to.not.be.instanceOf(Error);
    expect(peer.count('PRODUCER')).to.be.at.least(9);
    expect(peer.sends.map((s) => s.payload.toString())).to.deep.equal(['held through the loss']);
  });

  // the freeze begins at several points of the keep-alive's period: the loss falls early in the freeze or just before the thaw
  for (const phase of [0, 12_000, 29_000]) {
    it(`a broker frozen for 60 s with sends in flight (${phase / 1000} s into the keep-alive period), then thawed: every partition producer registers again and every probe is stored`, async () => {
      const p = producer({ topics: ['parted'] });
      const started = settle(p.start());
      await time.until(() => peer.producers.length === 4, 5000);
      await started;
      const before = Array.from({ length: 40 }, (_, i) => settle(p.produce('parted', i % 4, 'k', `before ${i}`)));
      await time.until(() => peer.sends.length === 40, 5000);
      await time.run(phase, 500);
      peer.freeze();
      const during = Array.from({ length: 40 }, (_, i) => settle(p.produce('parted', i % 4, 'k', `during ${i}`)));
      await time.run(60_000, 200);
      // the keep-alive dropped the silent connection during the freeze; reconnects wait on CONNECTs the broker buffers
      expect(peer.connections).to.be.greaterThan(1);
      peer.thaw();
      const probes = [0, 1, 2, 3].map((i) => settle(p.produceSync('parted', i, 'probe', `probe ${i}`)));
      let stored = 0;
      for (const x of probes) void x.then((o) => !(o instanceof Error) && stored++);
      // within the backoff cap of the thaw
      await time.until(() => stored === 4, 30_000);
      expect(new Set(peer.producers.map((r) => r.topic)).size).to.equal(4);
      // what was in flight through the freeze was stored before it and resolves; sends made during it timed out
      expect((await Promise.all(before)).every((o) => !(o instanceof Error))).to.equal(true);
      expect((await Promise.all(during)).every((o) => o instanceof TimeoutError)).to.equal(true);
    });
  }
});

import { expect } from 'chai';
import * as sinon from 'sinon';
import { Producer, ProducerOptions } from '../../../../lib';
import { BrokerError, ChecksumError, QueueFullError, TimeoutError } from '../../../../lib/core/errors';
import type { MessageId } from '../../../../lib/pulsar/message-id';
import { CommandType } from '../../../../protocol/pulsar/proto';
import { brokerFrames, Reply, ScriptedBroker, ServerError } from '../../../support/scripted-broker';

const outcome = <T>(p: Promise<T>): Promise<T | Error> =>
  p.then(
    (v) => v,
    (e: Error) => e,
  );

// The whole Producer (real connections, lookups, workers) against the scripted broker peer.
describe('Producer faults on the scripted broker', () => {
  let peer: ScriptedBroker;
  const open: Producer<MessageId>[] = [];

  beforeEach(async () => {
    peer = await ScriptedBroker.start({ partitions: { parted: 2 } });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    await peer.stop();
    expect(peer.errors).to.deep.equal([]);
  });

  function producer(opts: ProducerOptions = {}): Producer<MessageId> {
    const p = new Producer<MessageId>({ url: peer.url, sendTimeoutMs: 5000, operationTimeoutMs: 5000, ...opts }, {});
    open.push(p);
    return p;
  }

  it('defect 1: CLOSE_PRODUCER in the same read as PRODUCER_SUCCESS: the producer re-registers and sends, never wedges', async () => {
    peer.once('PRODUCER', (cmd, reply) => reply.andThen(brokerFrames.closeProducer(cmd.producer.producerId)).ok());
    const p = producer({ topics: ['plain'] });
    await p.start();
    const id = await p.produceSync('plain', 'k', 'after the close');
    expect(id.entryId).to.equal(0);
    expect(peer.count('PRODUCER')).to.equal(2);
    expect(peer.sends.map((s) => s.payload.toString())).to.deep.equal(['after the close']);
  });

  it('defect 1: a connection dropped while the re-registration is pending leads to exactly one new registration', async () => {
    const p = producer({ topics: ['plain'] });
    await p.start();
    peer.once('PRODUCER', (_c, reply) => reply.destroy());
    // the reconnect's registration is slow; a second, concurrent one would be refused
    peer.once('PRODUCER', (_c, reply) => reply.delay(700).ok());
    peer.on('PRODUCER', (_c, reply) => reply.error(ServerError.ProducerBusy, 'a second registration of the same producer'));
    peer.closeProducer();
    await peer.waitFor('PRODUCER', 3);
    await new Promise((r) => setTimeout(r, 1500));
    expect(peer.count('PRODUCER')).to.equal(3);
    expect(peer.producers).to.have.length(1);
    expect((await p.produceSync('plain', 'k', 'v')).entryId).to.equal(0);
  });

  it('defect 2: a SEND_ERROR for a batch under its highest sequence id fails that batch at once, not by timeout', async () => {
    peer.once('SEND', (cmd, reply) =>
      reply.raw(brokerFrames.sendError(cmd.send.producerId, cmd.send.highestSequenceId, ServerError.NotAllowedError, 'no')),
    );
    const p = producer({ topics: ['plain'], batchingEnabled: true, batchingMaxMessages: 3, sendTimeoutMs: 20_000 });
    await p.start();
    const batch = await Promise.all(['a', 'b', 'c'].map((v) => outcome(p.produce('plain', 'k', v))));
    expect(batch.map((e) => (e as BrokerError).serverError)).to.deep.equal(['NotAllowedError', 'NotAllowedError', 'NotAllowedError']);
    const next = await Promise.all(['d', 'e', 'f'].map((v) => p.produce('plain', 'k', v)));
    expect(next.map((id) => id.batchIndex)).to.deep.equal([0, 1, 2]);
  });

  it('defect 3: an app that reuses its Buffer after produce() gets a ChecksumError, with no resend loop', async () => {
    const p = producer({ topics: ['plain'], sendTimeoutMs: 20_000 });
    await p.start();
    const buf = Buffer.from('the original bytes');
    const sent = outcome(p.produce('plain', 'k', buf));
    buf.write('reused by the app'); // before the socket flushes the frame
    const e = await sent;
    expect(e).to.be.instanceOf(ChecksumError);
    expect(peer.sends).to.have.length(1);
    expect((await p.produceSync('plain', 'k', 'next')).entryId).to.equal(0);
  });

  it('defect 4: a PersistenceError is not the final answer: everything pending is resent in order on a new connection', async () => {
    peer.once('SEND', (_c, reply) => reply.error(ServerError.PersistenceError, 'bookie unavailable'));
    const p = producer({ topics: ['plain'] });
    await p.start();
    const ids = await Promise.all(['m0', 'm1', 'm2'].map((v) => p.produce('plain', 'k', v)));
    expect(ids.map((id) => id.entryId)).to.deep.equal([...ids.map((id) => id.entryId)].sort((a, b) => a - b));
    expect(peer.connections).to.equal(2);
    const resent = peer.sends.filter((s) => s.connection === 2).map((s) => [s.sequenceId, s.payload.toString()]);
    expect(resent).to.deep.equal([
      [0, 'm0'],
      [1, 'm1'],
      [2, 'm2'],
    ]);
  });

  it('defect 10: chunking honours a configured maxMessageSize below the broker limit', async () => {
    const p = producer({ topics: ['plain'], chunkingEnabled: true, maxMessageSize: 2048 });
    await p.start();
    await p.produceSync('plain', 'k', Buffer.alloc(5000, 3));
    expect(peer.sends.length).to.be.greaterThan(2);
    for (const s of peer.sends) {
      expect(s.isChunk).to.equal(true);
      expect(s.payload.length).to.be.at.most(2048);
    }
  });

  it('defect 15: a PRODUCER that timed out is closed before the retry, and the epoch rises with each attempt', async () => {
    const p = producer({ topics: ['plain'], operationTimeoutMs: 800 });
    await p.start();
    // the re-registration after an unload gets no answer within operationTimeoutMs
    peer.once('PRODUCER', (_c, reply) => reply.silent());
    peer.closeProducer();
    await peer.waitFor('PRODUCER', 3);
    const kinds = peer.received.map((r) => r.command.type);
    const close = kinds.indexOf(CommandType.CLOSE_PRODUCER);
    expect(close).to.be.greaterThan(kinds.indexOf(CommandType.PRODUCER, kinds.indexOf(CommandType.PRODUCER) + 1));
    expect(close).to.be.lessThan(kinds.lastIndexOf(CommandType.PRODUCER));
    expect(peer.received.filter((r) => r.command.type === CommandType.PRODUCER).map((r) => r.command.producer.epoch)).to.deep.equal([
      0, 1, 2,
    ]);
    expect((await p.produceSync('plain', 'k', 'v')).entryId).to.equal(0);
  });

  it('defect 5: start() retries ServiceNotReady and TooManyRequests (metadata, lookup, PRODUCER) until it registers', async () => {
    peer.once('PARTITIONED_METADATA', (_c, reply) => reply.error(ServerError.ServiceNotReady, 'loading'));
    peer.once('LOOKUP', (_c, reply) => reply.error(ServerError.TooManyRequests, 'slow down'));
    peer.once('PRODUCER', (_c, reply) => reply.error(ServerError.ServiceNotReady, 'not yet'));
    peer.once('PRODUCER', (_c, reply) => reply.error(ServerError.TooManyRequests, 'slow down'));
    const p = producer({ topics: ['plain'] });
    await p.start();
    expect((await p.produceSync('plain', 'k', 'v')).entryId).to.equal(0);
    expect([peer.count('PARTITIONED_METADATA'), peer.count('LOOKUP'), peer.count('PRODUCER')]).to.deep.equal([2, 4, 3]);
  });

  it('defect 5: start() gives up with the typed cause once operationTimeoutMs has passed', async () => {
    peer.on('PRODUCER', (_c, reply) => reply.error(ServerError.ServiceNotReady, 'never ready'));
    const p = producer({ topics: ['plain'], operationTimeoutMs: 600 });
    const e = await outcome(p.start());
    expect(e).to.be.instanceOf(BrokerError);
    expect((e as BrokerError).serverError).to.equal('ServiceNotReady');
    expect(peer.count('PRODUCER')).to.be.greaterThan(1);
  });

  it("defect 13: produceSync's timeout covers topic discovery (partition lookup and registration)", async () => {
    peer.on('PARTITIONED_METADATA', (_c, reply) => reply.silent());
    const p = producer({ sendTimeoutMs: 300, operationTimeoutMs: 30_000 });
    const e = await outcome(p.produceSync('unknown-topic', 'k', 'v'));
    expect(e).to.be.instanceOf(TimeoutError);
    expect((e as Error).message).to.include('after 300 ms while looking the topic up');
    peer.on('PRODUCER', (_c, reply) => reply.silent());
    peer.off('PARTITIONED_METADATA');
    const e2 = await outcome(p.produceSync('other-topic', 'k', 'v', { timeout: 300 }));
    expect((e2 as Error).message).to.include('after 300 ms while looking the topic up');
  });

  it('defect 11: sends that time out while the broker is silent are failed in order by one timer and never written after a reconnect', async () => {
    const held: Reply[] = [];
    peer.on('SEND', (_c, reply) => void held.push(reply));
    const p = producer({ topics: ['plain'], sendTimeoutMs: 300 });
    await p.start();
    const spy = sinon.spy(global, 'setTimeout');
    let sends: Array<Promise<MessageId>>;
    try {
      sends = Array.from({ length: 200 }, (_, i) => p.produce('plain', 'k', `m${i}`));
    } finally {
      spy.restore();
    }
    // one timer for the partition, not one per message
    expect(spy.callCount).to.be.lessThan(5);
    const errors = await Promise.all(sends.map(outcome));
    expect(errors.every((e) => e instanceof TimeoutError)).to.equal(true);
    const written = peer.sends.length;
    peer.off('SEND');
    for (const c of peer.conns) c.destroy();
    // after the reconnect only new sends reach the broker
    const id = await p.produceSync('plain', 'k', 'fresh');
    expect(peer.sends.slice(written).map((s) => s.payload.toString())).to.deep.equal(['fresh']);
    expect(id.ledgerId).to.be.a('number');
  });

  it('defect 9: blockIfQueueFull makes produce() wait for room and keeps the order', async () => {
    const held: Reply[] = [];
    peer.on('SEND', (_c, reply) => void held.push(reply));
    const p = producer({ topics: ['plain'], maxPendingMessages: 2, blockIfQueueFull: true });
    await p.start();
    const sends = Array.from({ length: 5 }, (_, i) => p.produce('plain', 'k', `m${i}`));
    await peer.waitUntil(() => held.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.sends).to.have.length(2);
    peer.off('SEND');
    for (const r of held.splice(0)) r.ok();
    const ids = await Promise.all(sends);
    expect(ids.map((id) => id.entryId)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(peer.sends.map((s) => s.payload.toString())).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('without blockIfQueueFull a full queue fails fast with QueueFullError', async () => {
    peer.on('SEND', (_c, reply) => reply.silent());
    const p = producer({ topics: ['plain'], maxPendingMessages: 2 });
    await p.start();
    p.produce('plain', 'k', 'a');
    p.produce('plain', 'k', 'b');
    expect(await outcome(p.produce('plain', 'k', 'c'))).to.be.instanceOf(QueueFullError);
  });

  it('flush() sends the batches now and resolves when everything handed over is settled', async () => {
    const p = producer({ topics: ['plain'], batchingEnabled: true, batchingFlushMs: 60_000 });
    await p.start();
    const sends = [p.produce('plain', 'k', 'a'), p.produce('plain', 'k', 'b')];
    await p.flush();
    expect(peer.sends).to.have.length(1);
    expect(peer.sends[0].numMessages).to.equal(2);
    expect((await Promise.all(sends)).map((id) => id.batchIndex)).to.deep.equal([0, 1]);
  });
});

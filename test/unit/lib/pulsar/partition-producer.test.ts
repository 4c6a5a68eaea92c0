import { expect } from 'chai';
import {
  AuthorizationError,
  BrokerError,
  ChecksumError,
  ConnectionError,
  QueueFullError,
  SchemaError,
  TimeoutError,
  TopicError,
} from '../../../../lib/core/errors';
import type { MessageId } from '../../../../lib/pulsar/message-id';
import { ServerError } from '../../../../protocol/pulsar/proto';
import { outcome, producerHarness, until } from '../../../support/fake-producer-connection';

// Regression tests at the exact moments a broker connection misbehaves, over a fake connection
// the test answers by hand (see test/support/fake-producer-connection.ts).
describe('lib/partition-producer faults', () => {
  describe('defect 1: double reconnect loop / wedged ready producer', () => {
    it('defect 1: CLOSE_PRODUCER in the same read as PRODUCER_SUCCESS never leaves a ready producer on a dead registration', async () => {
      const h = producerHarness();
      const { started, conn } = await h.starting();
      // one read: the success settles the request, then the close is dispatched before any callback runs
      conn.answerProducer();
      conn.closeProducer(h.producer.producerId);
      await new Promise((r) => setImmediate(r));
      expect(h.producer.ready).to.equal(false);
      // exactly one new registration follows, and it is the one that goes ready
      await until(() => conn.producerRequests.length === 2, 'the re-registration');
      conn.answerProducer();
      await started;
      expect(h.producer.ready).to.equal(true);
      expect(conn.producers.get(h.producer.producerId)).to.equal(h.producer);
      const sent = h.send('after');
      await until(() => conn.sends.length === 1, 'the SEND');
      conn.receipt(h.producer.producerId, conn.sends[0].cmd.send.sequenceId, 5);
      expect(((await sent) as MessageId).entryId).to.equal(5);
      await new Promise((r) => setTimeout(r, 300));
      expect(conn.producerRequests).to.have.length(2);
    });

    it('defect 1: a connection lost while PRODUCER is pending starts exactly one reconnect', async () => {
      const h = producerHarness();
      await h.ready();
      const first = h.current();
      first.closeProducer(h.producer.producerId);
      await until(() => first.producerRequests.length === 2, 'the re-registration');
      // the connection drops while that PRODUCER waits: both the failed request and the close notice fire
      first.destroy();
      await h.reconnected(2);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.current().producerRequests).to.have.length(1);
      h.current().answerProducer();
      await until(() => h.producer.ready, 'ready');
    });
  });

  describe('defect 2: batch receipts and errors by sequence-id range', () => {
    it('defect 2: a SEND_ERROR naming a batch by its highest sequence id fails every message of that batch', async () => {
      const h = producerHarness({ batchingEnabled: true, batchingMaxMessages: 3 });
      const conn = await h.ready();
      const sends = [h.send('a'), h.send('b'), h.send('c')];
      await until(() => conn.sends.length === 1, 'one batch');
      const s = conn.sends[0].cmd.send;
      expect([s.sequenceId, s.highestSequenceId, s.numMessages]).to.deep.equal([0, 2, 3]);
      conn.sendError(h.producer.producerId, 2, ServerError.NotAllowedError, 'too big');
      for (const p of sends) {
        const e = await outcome(p);
        expect(e).to.be.instanceOf(TopicError);
        expect((e as TopicError).serverError).to.equal('NotAllowedError');
      }
      expect(h.producer.pendingCount).to.equal(0);
      // the next batch still goes through
      const next = [h.send('d'), h.send('e'), h.send('f')];
      await until(() => conn.sends.length === 2, 'the second batch');
      conn.receipt(h.producer.producerId, 3, 9, 5);
      expect((await Promise.all(next)).map((id) => id.batchIndex)).to.deep.equal([0, 1, 2]);
    });
  });

  describe('defect 3: ChecksumError', () => {
    it('defect 3: a ChecksumError on a Buffer the app changed fails that message typed and resends nothing', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      const buf = Buffer.from('original payload');
      const bad = h.send(buf);
      const good = h.send('fine');
      await until(() => conn.sends.length === 2, 'two SENDs');
      buf.write('reused!!'); // the app reuses its Buffer after produce()
      conn.sendError(h.producer.producerId, 0, ServerError.ChecksumError, 'checksum');
      const e = await outcome(bad);
      expect(e).to.be.instanceOf(ChecksumError);
      expect((e as ChecksumError).code).to.equal('CHECKSUM');
      conn.receipt(h.producer.producerId, 1, 3);
      expect(((await good) as MessageId).entryId).to.equal(3);
      expect(conn.sends).to.have.length(2);
      expect(conn.closed).to.equal(false);
    });

    it('defect 3: intact bytes are resent in order on a new connection, and fail typed after a bounded number of tries', async () => {
      const h = producerHarness();
      await h.ready();
      const p = h.send('intact');
      for (let round = 0; round < 3; round++) {
        const conn = h.current();
        await until(() => conn.sends.length === 1, `SEND on connection ${round + 1}`);
        conn.sendError(h.producer.producerId, 0, ServerError.ChecksumError, 'checksum');
        await until(() => conn.closed, 'the connection to close');
        await h.reconnected(round + 2);
        h.current().answerProducer();
      }
      const conn = h.current();
      await until(() => conn.sends.length === 1, 'the last resend');
      conn.sendError(h.producer.producerId, 0, ServerError.ChecksumError, 'checksum');
      expect(await outcome(p)).to.be.instanceOf(ChecksumError);
      await new Promise((r) => setTimeout(r, 200));
      expect(conn.closed).to.equal(false);
      expect(conn.sends).to.have.length(1);
    });
  });

  describe('defect 4: transient vs terminal errors', () => {
    it('defect 4: PersistenceError on one send closes the connection and resends everything pending in order', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      const sends = await h.sendAll(conn, ['m0', 'm1', 'm2']);
      conn.sendError(h.producer.producerId, 1, ServerError.PersistenceError, 'bookie down');
      expect(conn.closed).to.equal(true);
      await h.reconnected(2);
      const next = h.current();
      next.answerProducer();
      await until(() => next.sends.length === 3, 'the resends');
      expect(next.sends.map((s) => [s.cmd.send.sequenceId, Buffer.from(s.payload).toString()])).to.deep.equal([
        [0, 'm0'],
        [1, 'm1'],
        [2, 'm2'],
      ]);
      for (let i = 0; i < 3; i++) next.receipt(h.producer.producerId, i, 20 + i);
      expect((await Promise.all(sends)).map((id) => id.entryId)).to.deep.equal([20, 21, 22]);
    });

    it('defect 4: NotAllowed fails only that send', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      const sends = await h.sendAll(conn, ['m0', 'm1']);
      conn.sendError(h.producer.producerId, 0, ServerError.NotAllowedError, 'no');
      conn.receipt(h.producer.producerId, 1, 4);
      expect(await outcome(sends[0])).to.be.instanceOf(TopicError);
      expect(((await sends[1]) as MessageId).entryId).to.equal(4);
      expect(conn.closed).to.equal(false);
    });

    it('defect 4: TopicTerminated as a SEND_ERROR fails everything pending and ends terminated', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      const sends = await h.sendAll(conn, ['m0', 'm1']);
      conn.sendError(h.producer.producerId, 0, ServerError.TopicTerminatedError, 'terminated');
      for (const p of sends) expect(((await outcome(p)) as TopicError).serverError).to.equal('TopicTerminatedError');
      expect(h.producer.currentState).to.equal('terminated');
      expect(((await outcome(h.send('later'))) as TopicError).serverError).to.equal('TopicTerminatedError');
    });

    const terminal: Array<[string, number, new (...args: never[]) => Error]> = [
      ['TopicTerminatedError', ServerError.TopicTerminatedError, TopicError],
      ['TopicNotFound', ServerError.TopicNotFound, TopicError],
      ['AuthorizationError', ServerError.AuthorizationError, AuthorizationError],
      ['IncompatibleSchema', ServerError.IncompatibleSchema, SchemaError],
      ['ProducerFenced', ServerError.ProducerFenced, Error],
    ];
    for (const [name, code, type] of terminal) {
      it(`defect 4: ${name} on re-registration fails pending sends typed and stops reconnecting`, async () => {
        const h = producerHarness();
        const conn = await h.ready();
        const [p] = await h.sendAll(conn, ['pending']);
        conn.closeProducer(h.producer.producerId);
        await until(() => conn.producerRequests.length === 2, 'the re-registration');
        conn.refuseProducer(code, name);
        const e = await outcome(p);
        expect(e).to.be.instanceOf(type);
        expect(e).to.not.be.instanceOf(TimeoutError);
        expect((e as Error).message).to.include(name);
        expect(h.producer.currentState).to.equal(name === 'TopicTerminatedError' ? 'terminated' : 'failed');
        await new Promise((r) => setTimeout(r, 300));
        expect(conn.producerRequests).to.have.length(2);
      });
    }

    it('defect 4: ProducerBlockedQuotaExceededException on re-registration fails pending sends fast and keeps reconnecting', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      const [p] = await h.sendAll(conn, ['pending']);
      conn.closeProducer(h.producer.producerId);
      await until(() => conn.producerRequests.length === 2, 'the re-registration');
      conn.refuseProducer(ServerError.ProducerBlockedQuotaExceededException, 'backlog quota');
      expect(((await outcome(p)) as BrokerError).serverError).to.equal('ProducerBlockedQuotaExceededException');
      await until(() => conn.producerRequests.length === 3, 'another registration');
      conn.answerProducer();
      await until(() => h.producer.ready, 'ready again');
    });
  });

  describe('defect 5: start() and transient errors', () => {
    it('defect 5: start() retries ServiceNotReady and TooManyRequests with backoff until it registers', async () => {
      const h = producerHarness();
      const { started, conn } = await h.starting();
      conn.refuseProducer(ServerError.ServiceNotReady, 'loading');
      await until(() => conn.producerRequests.length === 2, 'a second PRODUCER');
      conn.refuseProducer(ServerError.TooManyRequests, 'slow down');
      await until(() => conn.producerRequests.length === 3, 'a third PRODUCER');
      conn.answerProducer();
      await started;
      expect(h.producer.ready).to.equal(true);
    });

    it('defect 5: start() retries a lookup answered ServiceNotReady', async () => {
      let lookups = 0;
      const h = producerHarness({}, async () => {
        if (lookups++ === 0) {
          const { errorFromServer } = await import('../../../../lib/pulsar/server-errors');
          throw errorFromServer(ServerError.ServiceNotReady, 'namespace loading', 'lookup');
        }
      });
      const { started, conn } = await h.starting();
      conn.answerProducer();
      await started;
      expect(lookups).to.equal(2);
    });

    it('defect 5: start() still fails at once on a terminal answer', async () => {
      const h = producerHarness();
      const { started, conn } = await h.starting();
      conn.refuseProducer(ServerError.AuthorizationError, 'no');
      expect(await outcome(started)).to.be.instanceOf(AuthorizationError);
      expect(h.current().producerRequests).to.have.length(1);
    });
  });

  describe('defect 9: backpressure', () => {
    it('defect 9: maxPendingMessages counts messages batched, in flight and in the worker line', async () => {
      const h = producerHarness({ maxPendingMessages: 4, batchingEnabled: true, batchingMaxMessages: 100, batchingFlushMs: 60_000 });
      const conn = await h.ready();
      const sends = [h.send('a'), h.send('b'), h.send('c'), h.send('d')];
      expect(conn.sends).to.have.length(0); // all four wait in the batch
      expect(await outcome(h.send('e'))).to.be.instanceOf(QueueFullError);
      h.producer.flush();
      conn.receipt(h.producer.producerId, 0, 1, 3);
      await Promise.all(sends);
      expect(h.producer.pendingCount).to.equal(0);
      h.send('f');
      expect(h.producer.pendingCount).to.equal(1);
    });

    it('defect 9: the memory limit refuses a send that would pass it, and frees room when sends settle', async () => {
      const h = producerHarness({ memoryLimitBytes: 1000 });
      const conn = await h.ready();
      const first = h.send(Buffer.alloc(600));
      const refused = await outcome(h.send(Buffer.alloc(600)));
      expect(refused).to.be.instanceOf(QueueFullError);
      expect((refused as Error).message).to.include('memoryLimitBytes');
      conn.receipt(h.producer.producerId, 0, 1);
      await first;
      expect(h.memory.usedBytes).to.equal(0);
      const again = h.send(Buffer.alloc(600));
      conn.receipt(h.producer.producerId, 1, 2);
      expect((await again).entryId).to.equal(2);
    });

    it('defect 9: a full socket holds further sends until it drains, then writes them in order', async () => {
      const h = producerHarness();
      const conn = await h.ready();
      conn.room = false;
      const sends = [h.send('m0'), h.send('m1'), h.send('m2')];
      expect(conn.sends).to.have.length(1);
      conn.drain();
      expect(conn.sends.map((s) => s.cmd.send.sequenceId)).to.deep.equal([0, 1, 2]);
      for (let i = 0; i < 3; i++) conn.receipt(h.producer.producerId, i, i);
      await Promise.all(sends);
    });
  });

  describe('defect 10: chunking and maxMessageSize', () => {
    it('defect 10: chunking honours a configured maxMessageSize below the broker limit', async () => {
      const h = producerHarness({ chunkingEnabled: true, maxMessageSize: 2048 });
      const conn = await h.ready();
      const p = h.send(Buffer.alloc(5000, 7));
      await until(() => conn.sends.length >= 3, 'the chunks');
      for (const s of conn.sends) {
        expect(s.cmd.send.isChunk).to.equal(true);
        expect(s.payload.length).to.be.at.most(2048);
      }
      const n = conn.sends.length;
      expect(conn.sends[0].metadata.numChunksFromMsg).to.equal(n);
      for (let i = 0; i < n; i++) conn.receipt(h.producer.producerId, 0, 10 + i);
      expect((await p).entryId).to.equal(10 + n - 1);
    });

    it('a chunked message cut off after some chunk receipts waits for every chunk again after the resend', async () => {
      const h = producerHarness({ chunkingEnabled: true, maxMessageSize: 2048 });
      const conn = await h.ready();
      const p = h.send(Buffer.alloc(5000, 7));
      await until(() => conn.sends.length >= 3, 'the chunks');
      const n = conn.sends.length;
      conn.receipt(h.producer.producerId, 0, 1);
      conn.receipt(h.producer.producerId, 0, 2);
      conn.destroy();
      await h.reconnected(2);
      const next = h.current();
      next.answerProducer();
      await until(() => next.sends.length === n, 'every chunk again');
      for (let i = 0; i < n - 1; i++) next.receipt(h.producer.producerId, 0, 30 + i);
      let done = false;
      void p.then(() => (done = true));
      await new Promise((r) => setImmediate(r));
      expect(done).to.equal(false);
      next.receipt(h.producer.producerId, 0, 30 + n - 1);
      expect((await p).entryId).to.equal(30 + n - 1);
    });
  });

  describe('defect 11: timed-out sends', () => {
    it('defect 11: a timed-out send and everything behind it fail in order and are never written after a reconnect', async () => {
      const h = producerHarness({ sendTimeoutMs: 100 });
      const conn = await h.ready();
      const sends = [h.send('m0'), h.send('m1'), h.send('m2', { timeout: 60_000 })];
      const errors = await Promise.all(sends.map(outcome));
      for (const e of errors) expect(e).to.be.instanceOf(TimeoutError);
      expect(h.producer.pendingCount).to.equal(0);
      expect(h.memory.usedBytes).to.equal(0);
      conn.destroy();
      await h.reconnected(2);
      h.current().answerProducer();
      await until(() => h.producer.ready, 'ready');
      await new Promise((r) => setTimeout(r, 50));
      expect(h.current().sends).to.have.length(0);
      // a late receipt for a dropped send is ignored
      h.current().receipt(h.producer.producerId, 0, 1);
    });

    it('defect 11: sends waiting in the worker line while reconnecting time out and release their room', async () => {
      const h = producerHarness({ sendTimeoutMs: 100 });
      const conn = await h.ready();
      conn.closeProducer(h.producer.producerId);
      const sends = [h.send('m0'), h.send('m1')];
      expect(h.worker.queuedCount).to.equal(2);
      for (const p of sends) expect(await outcome(p)).to.be.instanceOf(TimeoutError);
      expect(h.worker.queuedCount).to.equal(0);
      expect(h.producer.pendingCount).to.equal(0);
      conn.answerProducer();
      await until(() => h.producer.ready, 'ready');
      expect(conn.sends).to.have.length(0);
    });

    it('defect 11: sendTimeoutMs 0 never times out; the send is resent until stored', async () => {
      const h = producerHarness({ sendTimeoutMs: 0 });
      const conn = await h.ready();
      const p = h.send('keep');
      await new Promise((r) => setTimeout(r, 200));
      conn.destroy();
      await h.reconnected(2);
      h.current().answerProducer();
      await until(() => h.current().sends.length === 1, 'the resend');
      h.current().receipt(h.producer.producerId, 0, 77);
      expect((await p).entryId).to.equal(77);
    });
  });

  describe('defect 15: epochs and abandoned registrations', () => {
    it('defect 15: each reconnect raises the producer epoch, and a timed-out PRODUCER is closed before the retry', async () => {
      const h = producerHarness();
      const { started, conn } = await h.starting();
      // the request times out (as Connection.request would report it)
      const { TimeoutError: TE } = await import('../../../../lib/core/errors');
      conn.requests[0].reject(new TE('creating a producer: no answer'));
      await until(() => conn.producerRequests.length === 2, 'the retry');
      const closes = conn.closeProducerRequests;
      expect(closes).to.have.length(1);
      expect(closes[0].closeProducer.producerId).to.equal(h.producer.producerId);
      // the CLOSE_PRODUCER went out before the retried PRODUCER
      const order = conn.requests.map((r) => r.cmd.type);
      expect(order.indexOf(15)).to.be.lessThan(order.lastIndexOf(5));
      conn.answerProducer();
      await started;
      conn.closeProducer(h.producer.producerId);
      await until(() => conn.producerRequests.length === 3, 'the re-registration');
      expect(conn.producerRequests.map((c) => c.producer.epoch)).to.deep.equal([0, 1, 2]);
    });
  });

  describe('item 3: app-supplied sequence ids', () => {
    it('sends the sequenceId option as the SEND and metadata sequence id, and numbers later sends after it', async () => {
      const h = producerHarness({ initialSequenceId: 9 });
      const conn = await h.ready();
      h.send('auto');
      h.send('mine', { sequenceId: 42 });
      h.send('auto again');
      await until(() => conn.sends.length === 3, 'three SENDs');
      expect(conn.sends.map((s) => [s.cmd.send.sequenceId, s.metadata.sequenceId])).to.deep.equal([
        [10, 10],
        [42, 42],
        [43, 43],
      ]);
    });
  });

  describe('flush', () => {
    it('sends the batch at once and resolves when everything handed over so far is settled', async () => {
      const h = producerHarness({ batchingEnabled: true, batchingFlushMs: 60_000 });
      const conn = await h.ready();
      const a = h.send('a');
      const b = h.send('b');
      let flushed = false;
      const f = h.producer.whenFlushed().then(() => (flushed = true));
      expect(conn.sends).to.have.length(1);
      const later = h.send('later'); // handed over after flush(): not waited for
      await new Promise((r) => setImmediate(r));
      expect(flushed).to.equal(false);
      conn.receipt(h.producer.producerId, 0, 1, 1);
      await f;
      await Promise.all([a, b]);
      expect(flushed).to.equal(true);
      void later;
    });
  });

  it('a receipt that overtakes the head closes the connection so everything is resent in order', async () => {
    const h = producerHarness();
    const conn = await h.ready();
    h.send('m0');
    h.send('m1');
    await until(() => conn.sends.length === 2, 'two SENDs');
    conn.receipt(h.producer.producerId, 1, 5);
    expect(conn.closed).to.equal(true);
    expect(h.producer.ready).to.equal(false);
    void ConnectionError;
  });
});

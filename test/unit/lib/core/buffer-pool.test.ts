import { expect } from 'chai';
import { BufferPool } from '../../../../lib/core/buffer-pool';
import { TimeoutError } from '../../../../lib/core/errors';
import type { OutgoingMessage } from '../../../../lib/core/message';
import { outcome, producerHarness, until } from '../../../support/fake-producer-connection';

describe('lib/buffer-pool', () => {
  it('hands kept space out again, bigger space for a smaller ask, and leaves small asks to Buffer', () => {
    const pool = new BufferPool();
    const a = pool.take(100_000);
    expect(a.length).to.equal(100_000);
    pool.give(a);
    expect(pool.keptBytes).to.be.at.least(100_000);
    const b = pool.take(90_000);
    expect(b.buffer).to.equal(a.buffer);
    expect(b.length).to.equal(90_000);
    expect(pool.keptBytes).to.equal(0);
    // nothing kept fits: fresh space
    expect(pool.take(100_000).buffer).to.not.equal(a.buffer);
    const small = pool.take(100);
    pool.give(small);
    expect(pool.keptBytes).to.equal(0);
  });

  it('keeps no more idle bytes than its bound', () => {
    const pool = new BufferPool(300_000);
    const spaces = [pool.take(128 << 10), pool.take(128 << 10), pool.take(128 << 10)];
    for (const s of spaces) pool.give(s);
    expect(pool.keptBytes).to.equal(256 << 10);
  });

  describe('batch bodies of a producer', () => {
    const big = Buffer.alloc(8 << 10, 'b');

    it('reuses a batch body only after its receipt, never while it may still be sent', async () => {
      const h = producerHarness({ batchingEnabled: true, batchingMaxMessages: 3, batchingFlushMs: 60_000 });
      const conn = await h.ready();
      const first = [h.send(big), h.send(big), h.send(big)];
      const second = [h.send(big), h.send(big), h.send(big)];
      await until(() => conn.written.length === 2, 'two batches');
      // both in flight: two different bodies
      expect(conn.written[1].buffer).to.not.equal(conn.written[0].buffer);
      conn.receipt(h.producer.producerId, 0, 1, 2);
      await Promise.all(first);
      expect(h.bodies.keptBytes).to.be.at.least(3 * big.length);
      const third = [h.send(big), h.send(big), h.send(big)];
      await until(() => conn.written.length === 3, 'a third batch');
      // the acknowledged body is used again, the one still in flight is not
      expect(conn.written[2].buffer).to.equal(conn.written[0].buffer);
      expect(conn.written[2].buffer).to.not.equal(conn.written[1].buffer);
      expect(Buffer.from(conn.sends[2].payload).equals(Buffer.from(conn.written[2]))).to.equal(true);
      conn.receipt(h.producer.producerId, 3, 2, 5);
      conn.receipt(h.producer.producerId, 6, 3, 8);
      expect((await Promise.all([...second, ...third])).length).to.equal(6);
    });

    it("lets go of the app's buffers once the batch body holds their bytes, and still counts them until the receipt", async () => {
      const h = producerHarness({ batchingEnabled: true, batchingMaxMessages: 3, batchingFlushMs: 60_000 });
      const conn = await h.ready();
      const sends = [h.send(big), h.send(big), h.send(big)];
      await until(() => conn.written.length === 1, 'the batch');
      const entries = (h.producer as unknown as { entries: Array<{ messages: OutgoingMessage[] }> }).entries;
      const msgs = entries[entries.length - 1].messages;
      expect(msgs.map((m) => [m.payload.length, m.size])).to.deep.equal([
        [0, big.length],
        [0, big.length],
        [0, big.length],
      ]);
      expect(h.memory.usedBytes).to.equal(3 * big.length);
      expect(Buffer.from(conn.sends[0].payload).includes(big)).to.equal(true);
      conn.receipt(h.producer.producerId, 0, 1, 2);
      await Promise.all(sends);
      expect(h.memory.usedBytes).to.equal(0);
    });

    it('does not take back the body of a batch that timed out: its bytes may still wait in the socket', async () => {
      const h = producerHarness({ batchingEnabled: true, batchingMaxMessages: 3, batchingFlushMs: 60_000 });
      const conn = await h.ready();
      const sends = [h.send(big, { timeout: 50 }), h.send(big, { timeout: 50 }), h.send(big, { timeout: 50 })];
      for (const p of sends) expect(await outcome(p)).to.be.instanceOf(TimeoutError);
      expect(h.bodies.keptBytes).to.equal(0);
      await until(() => conn.written.length >= 1, 'the batch');
    });
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import * as admin from '../../tools/admin';
import { TopicError } from '../../lib/core/errors';
import { readBack, uniqueTopic, withBroker } from './helpers';

describe('Producer faults and backpressure against a real Pulsar broker', function () {
  this.timeout(120_000);
  const b = withBroker();

  it('a retry with the same sequenceId after a timeout is stored once (broker deduplication)', async () => {
    const ns = `public/seq-${crypto.randomBytes(3).toString('hex')}`;
    await admin.createNamespace(b.broker.adminUrl, ns);
    await admin.setNamespaceDeduplication(b.broker.adminUrl, ns, true);
    const topic = `persistent://${ns}/app-ids`;
    const p = await b.producer({ topics: [topic], producerName: 'app-ids-producer' });
    const first = await p.produceSync(topic, 'k', 'order-1', { sequenceId: 100 });
    // the app did not see that receipt (say it timed out) and sends the same message again
    const retry = await p.produceSync(topic, 'k', 'order-1', { sequenceId: 100 });
    const next = await p.produceSync(topic, 'k', 'order-2', { sequenceId: 101 });
    expect(first.ledgerId).to.be.at.least(0);
    expect(retry.ledgerId).to.equal(-1);
    expect(next.entryId).to.equal(first.entryId + 1);
    const back = await readBack(b.broker.serviceUrl, topic, 3, {}, 5000);
    expect(back.map((m) => m.value.toString())).to.deep.equal(['order-1', 'order-2']);
  });

  it('a terminated topic fails pending and later sends with a typed TopicTerminatedError', async () => {
    const topic = uniqueTopic('producer-terminated');
    const p = await b.producer({ topics: [topic] });
    await p.produceSync(topic, 'k', 'before');
    await admin.terminate(b.broker.adminUrl, topic);
    const e = await p.produceSync(topic, 'k', 'after').catch((x) => x);
    expect(e).to.be.instanceOf(TopicError);
    expect(e.serverError).to.equal('TopicTerminatedError');
    const again = await p.produceSync(topic, 'k', 'again').catch((x) => x);
    expect(again.serverError).to.equal('TopicTerminatedError');
  });

  it('blockIfQueueFull with a small memory limit stores every message, in order', async () => {
    const topic = uniqueTopic('blocking');
    const p = await b.producer({ topics: [topic], memoryLimitBytes: 64 * 1024, maxPendingMessages: 16, blockIfQueueFull: true });
    const value = Buffer.alloc(10 * 1024, 1);
    const sends = Array.from({ length: 300 }, (_, i) => p.produce(topic, 'k', Buffer.concat([Buffer.from(`${i}:`), value])));
    const ids = await Promise.all(sends);
    expect(ids.map((id) => id.entryId)).to.deep.equal(ids.map((_, i) => ids[0].entryId + i));
    const back = await readBack(b.broker.serviceUrl, topic, 300);
    expect(back.map((m) => m.value.toString('utf8', 0, m.value.indexOf(':')))).to.deep.equal(ids.map((_, i) => String(i)));
  });

  it('flush() sends pending batches and resolves once they are stored', async () => {
    const topic = uniqueTopic('flush');
    const p = await b.producer({ topics: [topic], batchingEnabled: true, batchingFlushMs: 60_000 });
    const sends = Array.from({ length: 10 }, (_, i) => p.produce(topic, 'k', `m${i}`));
    let settled = 0;
    for (const s of sends) void s.then(() => settled++);
    await p.flush();
    await Promise.resolve();
    expect(settled).to.equal(10);
    const stats = await admin.topicStats(b.broker.adminUrl, topic);
    expect(stats.msgInCounter).to.equal(10);
  });
});

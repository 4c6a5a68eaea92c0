import { expect } from 'chai';
import type { TopicsChangedEvent } from '../../lib/core/events';
import type { Message } from '../../lib/core/received-message';
import * as admin from '../../tools/admin';
import { uniqueTopic, until, withBroker } from './helpers';

describe('topicsPattern against a real Pulsar broker (topic-list watch)', function () {
  this.timeout(120_000);
  const b = withBroker();

  it('subscribes the matching topics at start, and a partitioned topic created afterwards through the watch (polling set to 10 minutes)', async () => {
    // uniqueTopic keeps the pattern under the broker's subscriptionPatternMaxLength (50)
    const base = uniqueTopic('pat');
    const before = `${base}-a`;
    const later = `${base}-b`;
    const other = uniqueTopic('nopat');
    const p = await b.producer({ topics: [before] });
    await p.produceSync(before, 'k', 'from a');
    await p.produceSync(other, 'k', 'not matched');

    const seen: Message[] = [];
    const changes: TopicsChangedEvent[] = [];
    const c = await b.consumer({
      topicsPattern: `${base}-.*`,
      subscription: 'pat',
      patternAutoDiscoveryPeriodMs: 600_000,
      handleMessages: (ms) => void seen.push(...ms),
    });
    c.on('topicsChanged', (e) => changes.push(e));
    await until(() => seen.length >= 1, 30_000, 'the message of the topic matching at start');
    expect(seen.map((m) => [m.topic, m.value.toString()])).to.deep.equal([[before, 'from a']]);

    await admin.createPartitionedTopic(b.broker.adminUrl, later, 2);
    await until(() => changes.length >= 1, 30_000, 'topicsChanged for the new topic');
    expect(changes[0]).to.deep.equal({ added: [later], removed: [] });
    const p2 = await b.producer({ topics: [later] });
    await p2.produceSync(later, 0, 'k0', 'to b-0');
    await p2.produceSync(later, 1, 'k1', 'to b-1');
    await until(() => seen.length >= 3, 30_000, 'the messages of the new topic');
    expect(
      seen
        .slice(1)
        .map((m) => `${m.topic}#${m.partition}=${m.value.toString()}`)
        .sort(),
    ).to.deep.equal([`${later}#0=to b-0`, `${later}#1=to b-1`]);
    expect(seen.some((m) => m.topic === other)).to.equal(false);
  });

  it('a matched topic deleted (forced, with the consumer on it) is reported removed and not created again by a resubscribe', async () => {
    const base = uniqueTopic('pdel');
    const p = await b.producer({ topics: [`${base}-a`] });
    await p.produceSync(`${base}-a`, 'k', 'a');
    await p.produceSync(`${base}-b`, 'k', 'b');
    await p.close();
    const changes: TopicsChangedEvent[] = [];
    const c = await b.consumer({ topicsPattern: `${base}-.*`, subscription: 'pat', patternAutoDiscoveryPeriodMs: 600_000 });
    c.on('topicsChanged', (e) => changes.push(e));
    await admin.deleteTopic(b.broker.adminUrl, `${base}-b`);
    await until(() => changes.length >= 1, 30_000, 'topicsChanged for the deleted topic');
    expect(changes[0]).to.deep.equal({ added: [], removed: [`${base}-b`] });
    const exists = (t: string) =>
      admin.getPartitions(b.broker.adminUrl, t).then(
        () => true,
        () => false,
      );
    expect(await exists(`${base}-b`)).to.equal(false);
    expect(await exists(`${base}-a`), 'the check itself').to.equal(true);
  });

  it('the short form (no domain, no namespace) means persistent://public/default', async () => {
    const base = uniqueTopic('pshort');
    const topic = `${base}-x`;
    const p = await b.producer({ topics: [topic] });
    await p.produceSync(topic, 'k', 'short');
    const c = await b.consumer({ topicsPattern: `${base.slice('persistent://public/default/'.length)}-.*`, subscription: 'pat' });
    const r = await c.receive();
    expect(r.done).to.equal(false);
    expect((r.value as Message).topic).to.equal(topic);
    expect((r.value as Message).value.toString()).to.equal('short');
  });
});

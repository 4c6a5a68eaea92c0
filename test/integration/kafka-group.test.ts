import { expect } from 'chai';
import { Consumer, ConsumerFencedError, CortadoError, InvalidArgumentError, Message } from '../../lib';
import {
  javaGroupMember,
  JavaGroupMember,
  javaProduce,
  JavaProduceRecord,
  javaProduceTransactional,
  JavaTransactionStep,
} from '../../tools/kafka-java';
import { groupFixture, offsetOf, ownedCount as owned, RUN, topicName, until } from '../support/kafka-group';

/** A consumer's open sources by partition key: the same object while the partition stays assigned. */
const sources = (c: Consumer): Map<string, unknown> => new Map((c as unknown as { consumers: Map<string, unknown> }).consumers);
const records = (from: number, n: number, partitions: number): JavaProduceRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}`, partition: (from + i) % partitions }));

/** Who handled which record, and when each member worked on each partition. */
class Ledger {
  readonly handled = new Map<string, string[]>();
  /** [member, partition, from, to] of every handler run and every Java ownership */
  readonly spans: Array<[string, number, number, number]> = [];

  note(name: string, partition: number, offset: number): void {
    const k = `${partition}@${offset}`;
    this.handled.set(k, [...(this.handled.get(k) ?? []), name]);
  }

  handler(name: string) {
    return async (msgs: Message[]) => {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 2));
      for (const m of msgs) this.note(name, m.partition, offsetOf(m));
      this.spans.push([name, msgs[0].partition, from, Date.now()]);
    };
  }

  /** A Java member's records, and its ownership of each partition from assigned to revoked or lost (or `end`). */
  addJava(name: string, j: JavaGroupMember, end: number): void {
    const since = new Map<number, number>();
    for (const e of j.events) {
      if (e.event === 'record') this.note(name, e.partition, e.offset);
      else if (e.event === 'assigned') for (const p of e.partitions) since.set(p, e.at);
      else
        for (const p of e.partitions) {
          this.spans.push([name, p, since.get(p) ?? 0, e.at]);
          since.delete(p);
        }
    }
    for (const [p, at] of since) this.spans.push([name, p, at, end]);
  }

  /** Pairs of different members working on one partition at overlapping times. */
  overlaps(): string[] {
    const out: string[] = [];
    for (const [i, [a, p, f1, t1]] of this.spans.entries())
      for (const [b, q, f2, t2] of this.spans.slice(i + 1))
        if (a !== b && p === q && f1 < t2 && f2 < t1) out.push(`partition ${p}: ${a} [${f1}, ${t1}] and ${b} [${f2}, ${t2}]`);
    return out;
  }
}

describe('Kafka consumer groups with Java members, against a real Kafka broker', function () {
  this.timeout(300_000);
  const f = groupFixture();

  for (const groupProtocol of ['classic', 'consumer'] as const)
    it(`a mixed group (${groupProtocol} protocol): one Java KafkaConsumer and two cortado consumers share a 6-partition topic, no partition read by two at once, every record handled`, async () => {
      const topic = topicName(`kg-mixed-${groupProtocol}`);
      const group = `g-mixed-${groupProtocol}-${RUN}`;
      await f.admin.createPartitionedTopic(topic, 6);
      const ledger = new Ledger();
      const java = f.keep(await javaGroupMember(f.broker, topic, group, { clientConfig: { 'group.protocol': groupProtocol } }));
      await until('the Java member to own all 6 partitions', () => java.owned().length === 6);
      const opts = { topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' as const, groupProtocol };
      const a = f.consumer({ ...opts, handleMessages: ledger.handler('a') });
      await a.start();
      await javaProduce(f.broker, topic, records(0, 300, 6));
      const b = f.consumer({ ...opts, handleMessages: ledger.handler('b') });
      await b.start();
      await until('the group to settle at 2 + 2 + 2', () => java.owned().length === 2 && owned(a) === 2 && owned(b) === 2);
      await javaProduce(f.broker, topic, records(300, 300, 6));
      const seen = () =>
        new Set([...ledger.handled.keys(), ...java.events.filter((e) => e.event === 'record').map((e) => `${e.partition}@${e.offset}`)])
          .size;
      await until('all 600 records', () => seen() >= 600);
      // the Java member leaves: the cortado members take its partitions from its commits
      await java.stop();
      await until('a and b to own all 6', () => owned(a) + owned(b) === 6);
      await javaProduce(f.broker, topic, records(600, 60, 6));
      ledger.addJava('java', java, Date.now());
      await until('all 660 records', () => ledger.handled.size >= 660);
      await new Promise((r) => setTimeout(r, 500));
      expect(ledger.overlaps()).to.deep.equal([]);
      expect(ledger.handled.size).to.equal(660);
      const members = new Set([...ledger.handled.values()].flat());
      expect([...members].sort()).to.deep.equal(['a', 'b', 'java']);
      // the Java member read the records of 2 partitions after the group settled
      const javaParts = new Set(
        java.events.filter((e) => e.event === 'record' && e.offset >= 50).map((e) => (e as { partition: number }).partition),
      );
      expect(javaParts.size).to.be.greaterThan(0);
    });

  it('cooperative-sticky: members joining (a cortado one, then a Java one) take partitions while the others keep reading the rest, uninterrupted', async () => {
    const topic = topicName('kg-coop');
    const group = `g-coop-${RUN}`;
    await f.admin.createPartitionedTopic(topic, 6);
    const ledger = new Ledger();
    const opts = {
      topics: [topic],
      subscription: group,
      subscriptionInitialPosition: 'earliest' as const,
      partitionAssignors: ['cooperative-sticky' as const],
    };
    const a = f.consumer({ ...opts, handleMessages: ledger.handler('a') });
    await a.start();
    expect(owned(a)).to.equal(6);
    await javaProduce(f.broker, topic, records(0, 300, 6));
    const before = sources(a);
    const b = f.consumer({ ...opts, handleMessages: ledger.handler('b') });
    await b.start();
    await until('a 3 + b 3', () => owned(a) === 3 && owned(b) === 3);
    // the partitions a kept were never stopped: the same sources, not new ones
    for (const [key, src] of sources(a)) expect(src, key).to.equal(before.get(key));
    const beforeJava = new Map([...sources(a), ...sources(b)]);
    const java = f.keep(
      await javaGroupMember(f.broker, topic, group, {
        clientConfig: { 'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor' },
      }),
    );
    await until('2 + 2 + 2', () => java.owned().length === 2 && owned(a) === 2 && owned(b) === 2);
    for (const [key, src] of [...sources(a), ...sources(b)]) expect(src, key).to.equal(beforeJava.get(key));
    // the Java member revoked nothing: it only ever got partitions added
    expect(java.events.filter((e) => e.event === 'revoked' && e.partitions.length > 0)).to.deep.equal([]);
    await javaProduce(f.broker, topic, records(300, 300, 6));
    const seen = () =>
      new Set([...ledger.handled.keys(), ...java.events.filter((e) => e.event === 'record').map((e) => `${e.partition}@${e.offset}`)]).size;
    await until('all 600 records', () => seen() >= 600);
    await new Promise((r) => setTimeout(r, 500));
    ledger.addJava('java', java, Date.now());
    expect(ledger.overlaps()).to.deep.equal([]);
    expect(ledger.handled.size).to.equal(600);
    const twice = [...ledger.handled].filter(([, who]) => who.length > 1).map(([k]) => k);
    expect(twice).to.deep.equal([]);
  });

  it('static membership: a member restarted within the session timeout gets the same partitions back without a rebalance, and close() does not leave', async () => {
    const topic = topicName('kg-static');
    const group = `g-static-${RUN}`;
    await f.admin.createPartitionedTopic(topic, 6);
    const ledger = new Ledger();
    const opts = { topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' as const, sessionTimeoutMs: 30_000 };
    const a = f.consumer({ ...opts, groupInstanceId: `a-${RUN}`, handleMessages: ledger.handler('a') });
    await a.start();
    const b = f.consumer({ ...opts, groupInstanceId: `b-${RUN}`, handleMessages: ledger.handler('b') });
    await b.start();
    await until('a 3 + b 3', () => owned(a) === 3 && owned(b) === 3);
    const ofA = sources(a);
    const ofB = [...sources(b).keys()].sort();
    await javaProduce(f.broker, topic, records(0, 120, 6));
    await until('the first 120 records', () => ledger.handled.size >= 120);
    await b.close();
    // b is still a member: its partitions stay with it and a is not rebalanced
    await javaProduce(f.broker, topic, records(120, 120, 6));
    await new Promise((r) => setTimeout(r, 3000));
    expect(owned(a)).to.equal(3);
    for (const [key, src] of sources(a)) expect(src, key).to.equal(ofA.get(key));
    const b2 = f.consumer({ ...opts, groupInstanceId: `b-${RUN}`, handleMessages: ledger.handler('b2') });
    await b2.start();
    await until('b2 to own 3', () => owned(b2) === 3);
    expect([...sources(b2).keys()].sort()).to.deep.equal(ofB);
    await until('all 240 records', () => ledger.handled.size >= 240);
    await new Promise((r) => setTimeout(r, 500));
    // a kept its partitions (the same sources) through b's restart: no rebalance reached it
    for (const [key, src] of sources(a)) expect(src, key).to.equal(ofA.get(key));
    expect(ledger.overlaps()).to.deep.equal([]);
    expect(ledger.handled.size).to.equal(240);
    const twice = [...ledger.handled].filter(([, who]) => who.length > 1).map(([k]) => k);
    expect(twice).to.deep.equal([]);
    // what came while b was down went to b2, from b's committed offsets
    const late = [...ledger.handled].filter(([k]) => ofB.some((p) => p.endsWith(`-${k.split('@')[0]}`)) && Number(k.split('@')[1]) >= 20);
    expect(late.length).to.be.greaterThan(0);
    for (const [k, who] of late) expect(who, k).to.deep.equal(['b2']);
  });

  it('static membership: a second consumer with the same groupInstanceId fences the first (ConsumerFencedError, it stops consuming, no rejoin) and takes its partitions', async () => {
    const topic = topicName('kg-fenced');
    const group = `g-fenced-${RUN}`;
    const instance = `same-${RUN}`;
    await f.admin.createPartitionedTopic(topic, 2);
    const ledger = new Ledger();
    const opts = { topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' as const, groupInstanceId: instance };
    const a = f.consumer({ ...opts, handleMessages: ledger.handler('a') });
    const errors: CortadoError[] = [];
    a.on('error', (err) => errors.push(err));
    await a.start();
    await until('a to own 2', () => owned(a) === 2);
    await javaProduce(f.broker, topic, records(0, 20, 2));
    await until('the first 20 records', () => ledger.handled.size >= 20);
    const deadline = Date.now() + 30_000;
    while (!(await f.admin.groupOffsets(group)).every((o) => o.committed === 10) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const b = f.consumer({ ...opts, handleMessages: ledger.handler('b') });
    await b.start();
    await until('a to be fenced', () => errors.length > 0, 30_000);
    expect(errors[0]).to.be.instanceOf(ConsumerFencedError);
    expect(errors[0]).to.include({ code: 'CONSUMER_FENCED', instanceId: instance });
    expect(errors[0].message).to.include(`groupInstanceId ${instance}`);
    await until('a to give its partitions up', () => owned(a) === 0);
    expect(owned(b)).to.equal(2);
    await javaProduce(f.broker, topic, records(20, 20, 2));
    await until('all 40 records', () => ledger.handled.size >= 40);
    await new Promise((r) => setTimeout(r, 1500));
    // a neither rejoined nor read on: what came after the fence went to b alone, each record once
    expect(owned(a)).to.equal(0);
    expect(errors).to.have.length(1);
    const late = [...ledger.handled].filter(([k]) => Number(k.split('@')[1]) >= 10);
    expect(late).to.have.length(20);
    for (const [k, who] of late) expect(who, k).to.deep.equal(['b']);
    expect([...ledger.handled.values()].filter((who) => who.length > 1)).to.deep.equal([]);
    await a.close();
    const d = await f.admin.describeGroup(group);
    expect(d.members.map((m) => m.groupInstanceId)).to.deep.equal([instance]);
    expect(owned(b)).to.equal(2);
  });

  it('read_committed skips the records of aborted transactions (a Java transactional producer); read_uncommitted reads them, never the markers', async () => {
    const topic = topicName('kg-txn');
    await f.admin.createPartitionedTopic(topic, 1);
    const txn = (tag: string, n: number, end: 'commit' | 'abort'): JavaTransactionStep[] => [
      'begin',
      ...Array.from({ length: n }, (_, i) => ({ key: `${tag}-${i}`, value: `${tag}-${i}`, partition: 0 })),
      end,
    ];
    const plain = Array.from({ length: 3 }, (_, i) => ({ key: `plain-${i}`, value: `plain-${i}`, partition: 0 }));
    await javaProduceTransactional(f.broker, topic, [...txn('c1', 10, 'commit'), ...txn('a1', 10, 'abort'), ...txn('c2', 10, 'commit')]);
    await javaProduce(f.broker, topic, plain);
    await javaProduceTransactional(f.broker, topic, [...txn('a2', 5, 'abort'), ...txn('c3', 5, 'commit')]);
    const read = async (isolationLevel: 'read_committed' | 'read_uncommitted', expected: number): Promise<string[]> => {
      const got: string[] = [];
      const c = f.consumer({
        topics: [topic],
        subscription: `g-${isolationLevel}-${RUN}`,
        subscriptionInitialPosition: 'earliest',
        isolationLevel,
        handleMessages: (msgs) => {
          got.push(...msgs.map((m) => m.value.toString()));
        },
      });
      await c.start();
      await until(`${expected} records ${isolationLevel}`, () => got.length >= expected);
      await new Promise((r) => setTimeout(r, 1000));
      return got;
    };
    const n = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}-${i}`);
    expect(await read('read_committed', 28)).to.deep.equal([...n('c1', 10), ...n('c2', 10), ...n('plain', 3), ...n('c3', 5)]);
    expect(await read('read_uncommitted', 43)).to.deep.equal([
      ...n('c1', 10),
      ...n('a1', 10),
      ...n('c2', 10),
      ...n('plain', 3),
      ...n('a2', 5),
      ...n('c3', 5),
    ]);
  });

  it('the admin client lists groups, describes one (members, assignment) and tells committed offsets, end offsets and lag', async () => {
    const topic = topicName('kg-admin');
    const group = `g-admin-${RUN}`;
    await f.admin.createPartitionedTopic(topic, 4);
    const ledger = new Ledger();
    const opts = { topics: [topic], subscription: group, subscriptionInitialPosition: 'earliest' as const };
    const a = f.consumer({ ...opts, handleMessages: ledger.handler('a') });
    const b = f.consumer({ ...opts, groupInstanceId: `admin-b-${RUN}`, handleMessages: ledger.handler('b') });
    await Promise.all([a.start(), b.start()]);
    await until('a 2 + b 2', () => owned(a) === 2 && owned(b) === 2);
    await javaProduce(f.broker, topic, records(0, 40, 4));
    await until('40 records', () => ledger.handled.size >= 40);
    const settled = async () => (await f.admin.groupOffsets(group)).every((o) => o.committed === 10);
    const deadline = Date.now() + 30_000;
    while (!(await settled()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

    const listed = (await f.admin.listGroups()).find((g) => g.groupId === group);
    expect(listed).to.deep.equal({ groupId: group, protocolType: 'consumer', state: 'Stable' });
    const d = await f.admin.describeGroup(group);
    expect(d).to.include({ groupId: group, groupProtocol: 'classic', state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(d.groupEpoch).to.equal(undefined);
    expect(d.members).to.have.length(2);
    expect(d.members.map((m) => m.groupInstanceId).sort()).to.deep.equal([`admin-b-${RUN}`, null].sort());
    for (const m of d.members) {
      expect(m.clientId).to.equal('cortado');
      expect(m.topics).to.deep.equal([topic]);
      expect(m.assignment).to.have.length(2);
    }
    const assigned = d.members.flatMap((m) => m.assignment.map((p) => `${p.topic}-${p.partition}`)).sort();
    expect(assigned).to.deep.equal([0, 1, 2, 3].map((p) => `${topic}-${p}`));
    expect((await f.admin.groupOffsets(group)).map((o) => [o.partition, o.committed, o.end, o.lag])).to.deep.equal(
      [0, 1, 2, 3].map((p) => [p, 10, 10, 0]),
    );

    // records nobody reads: the lag grows by what came after the commits
    await a.close();
    await b.close();
    await javaProduce(f.broker, topic, records(40, 12, 4));
    expect((await f.admin.groupOffsets(group)).map((o) => [o.partition, o.committed, o.end, o.lag])).to.deep.equal(
      [0, 1, 2, 3].map((p) => [p, 10, 13, 3]),
    );
    expect(await f.admin.groupOffsets(`g-none-${RUN}`)).to.deep.equal([]);
    // no such group: ConsumerGroupDescribe says GROUP_ID_NOT_FOUND, DescribeGroups says Dead
    expect(await f.admin.describeGroup(`g-none-${RUN}`)).to.deep.include({ groupProtocol: 'classic', state: 'Dead', members: [] });
    const err = await f.admin.describeGroup('').catch((e: Error) => e);
    expect(err).to.be.instanceOf(InvalidArgumentError);
    expect((err as Error).message).to.match(/groupId must be a non-empty string/);
  });

  it('the admin client describes a KIP-848 group (ConsumerGroupDescribe): both members, their topic, epochs, and assignments covering the 4 partitions once', async () => {
    const topic = topicName('kg-admin-848');
    const group = `g-admin-848-${RUN}`;
    await f.admin.createPartitionedTopic(topic, 4);
    const opts = { topics: [topic], subscription: group, groupProtocol: 'consumer' as const, handleMessages: () => undefined };
    const a = f.consumer(opts);
    const b = f.consumer({ ...opts, groupInstanceId: `admin-848-b-${RUN}` });
    await Promise.all([a.start(), b.start()]);
    await until('a 2 + b 2', () => owned(a) === 2 && owned(b) === 2);
    // the broker learns what each member owns from its next heartbeat
    let d = await f.admin.describeGroup(group);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; d = await f.admin.describeGroup(group)) {
      if (d.state === 'Stable' && d.members.length === 2 && d.members.every((m) => m.assignment.length === 2)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(d).to.include({ groupId: group, groupProtocol: 'consumer', state: 'Stable', protocolType: 'consumer' });
    expect(d.protocol).to.be.oneOf(['uniform', 'range']);
    expect(d.groupEpoch).to.be.greaterThan(0);
    expect(d.members).to.have.length(2);
    expect(d.members.map((m) => m.groupInstanceId).sort()).to.deep.equal([`admin-848-b-${RUN}`, null].sort());
    expect(new Set(d.members.map((m) => m.memberId)).size).to.equal(2);
    for (const m of d.members) {
      expect(m.memberId).to.match(/^[0-9a-f-]{36}$/);
      expect(m.clientId).to.equal('cortado');
      expect(m.clientHost).to.include('127.0.0.1');
      expect(m.topics).to.deep.equal([topic]);
      expect(m.memberEpoch).to.be.greaterThan(0).and.at.most(d.groupEpoch!);
      expect(m.assignment).to.have.length(2);
    }
    const assigned = d.members.flatMap((m) => m.assignment.map((p) => `${p.topic}-${p.partition}`)).sort();
    expect(assigned).to.deep.equal([0, 1, 2, 3].map((p) => `${topic}-${p}`));
    expect((await f.admin.listGroups()).find((g) => g.groupId === group)).to.deep.equal({
      groupId: group,
      protocolType: 'consumer',
      state: 'Stable',
    });
  });
});

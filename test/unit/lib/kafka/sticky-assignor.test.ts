import { expect } from 'chai';
import type { TopicPartition } from '../../../../lib/kafka/group-coordinator';
import { cooperativeStickyAssign, StickyMember, validOwners } from '../../../../lib/kafka/sticky-assignor';

const tp = (s: string): TopicPartition => ({ topic: s.split('-')[0], partition: Number(s.split('-')[1]) });
const member = (memberId: string, owned: string[] = [], topics = ['t'], generationId = 1): StickyMember => ({
  memberId,
  topics,
  ownedPartitions: owned.map(tp),
  generationId,
});
const names = (plan: Map<string, TopicPartition[]>): Record<string, string[]> =>
  Object.fromEntries([...plan].map(([id, ps]) => [id, ps.map((p) => `${p.topic}-${p.partition}`)]));
const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe('lib/kafka cooperative-sticky assignor', () => {
  it('a first assignment is balanced: counts differ by at most one and every partition is given once', () => {
    const plan = cooperativeStickyAssign([member('a'), member('b'), member('c')], counts({ t: 7 }));
    const sizes = [...plan.values()].map((l) => l.length).sort();
    expect(sizes).to.deep.equal([2, 2, 3]);
    expect(new Set([...plan.values()].flat().map((p) => p.partition)).size).to.equal(7);
  });

  it('is sticky: members keep what they own, and a newcomer gets only partitions that move (withheld this round)', () => {
    const a = member('a', ['t-0', 't-1', 't-2']);
    const b = member('b', ['t-3', 't-4', 't-5']);
    // a third member joins: each old member keeps 2 of its 3, and the 2 that move wait for their revocation
    const first = cooperativeStickyAssign([a, b, member('c', [], ['t'], -1)], counts({ t: 6 }));
    expect(first.get('a')!.length).to.equal(2);
    expect(first.get('b')!.length).to.equal(2);
    for (const p of first.get('a')!) expect(a.ownedPartitions).to.deep.include(p);
    for (const p of first.get('b')!) expect(b.ownedPartitions).to.deep.include(p);
    expect(first.get('c')).to.deep.equal([]);
    // the second round: a and b own only what they kept, so c gets the two released ones
    const second = cooperativeStickyAssign(
      [
        { ...a, ownedPartitions: first.get('a')!, generationId: 2 },
        { ...b, ownedPartitions: first.get('b')!, generationId: 2 },
        member('c', [], ['t'], 2),
      ],
      counts({ t: 6 }),
    );
    expect(names(second).a).to.deep.equal(names(first).a);
    expect(names(second).b).to.deep.equal(names(first).b);
    expect(second.get('c')!.length).to.equal(2);
  });

  it('a leaving member’s partitions go to the others at once (no owner left to revoke them)', () => {
    const plan = cooperativeStickyAssign([member('a', ['t-0', 't-1']), member('b', ['t-2', 't-3'])], counts({ t: 6 }));
    // t-4 and t-5 were owned by a member that left
    expect(names(plan)).to.deep.equal({ a: ['t-0', 't-1', 't-4'], b: ['t-2', 't-3', 't-5'] });
  });

  it('two claims of one partition in one generation void both; a newer generation’s claim wins', () => {
    const owners = validOwners(
      [member('a', ['t-0', 't-1'], ['t'], 3), member('b', ['t-0'], ['t'], 3), member('c', ['t-1'], ['t'], 4)],
      counts({ t: 2 }),
    );
    expect([...owners]).to.deep.equal([['t-1', 'c']]);
    // a claim of a topic the member no longer subscribes to, or of a partition that does not exist, is not valid
    expect([...validOwners([member('a', ['t-5', 'u-0'])], counts({ t: 2, u: 1 }))]).to.deep.equal([]);
  });

  it('members with different subscriptions get only their topics, balanced where they overlap', () => {
    const plan = cooperativeStickyAssign([member('a', [], ['t', 'u']), member('b', [], ['t'])], counts({ t: 2, u: 2 }));
    expect(plan.get('b')!.every((p) => p.topic === 't')).to.equal(true);
    expect(plan.get('a')!.filter((p) => p.topic === 'u')).to.have.length(2);
    expect(plan.get('a')!.length + plan.get('b')!.length).to.equal(4);
    expect(plan.get('b')!.length).to.be.greaterThan(0);
  });

  it('stays balanced and sticky over random joins and leaves (no partition lost, none given twice)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let owned = new Map<string, TopicPartition[]>([['m0', []]]);
    let next = 1;
    for (let gen = 1; gen < 60; gen++) {
      if (rnd(3) === 0 && owned.size > 1) owned.delete([...owned.keys()][rnd(owned.size)]);
      else if (owned.size < 8) owned.set(`m${next++}`, []);
      // two rounds, as the protocol runs them: the second hands over what the first withheld
      for (let round = 0; round < 2; round++) {
        const members = [...owned].map(([memberId, ps]) => ({ memberId, topics: ['t'], ownedPartitions: ps, generationId: gen }));
        const plan = cooperativeStickyAssign(members, counts({ t: 13 }));
        owned = new Map([...plan].map(([id, ps]) => [id, ps]));
      }
      const sizes = [...owned.values()].map((l) => l.length);
      expect(Math.max(...sizes) - Math.min(...sizes), `generation ${gen}`).to.be.at.most(1);
      const all = [...owned.values()].flat().map((p) => p.partition);
      expect(all.length, `generation ${gen}`).to.equal(13);
      expect(new Set(all).size).to.equal(13);
    }
  });
});

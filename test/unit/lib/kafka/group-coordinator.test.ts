import { expect } from 'chai';
import { ApiKey, Reader, Writer } from '../../../../protocol/kafka';
import * as ConsumerProtocol from '../../../../protocol/kafka/consumer-protocol';
import { SILENT_LOG } from '../../../../lib/core/logger';
import type { KafkaCluster } from '../../../../lib/kafka/cluster';
import { ConsumerGroupMember } from '../../../../lib/kafka/consumer-group-member';
import { GroupCoordinator, TopicPartition } from '../../../../lib/kafka/group-coordinator';

type Answer = (req: Record<string, unknown>) => Record<string, unknown>;

// A cluster whose one connection answers each API from a script (the next scripted answer, else the default).
function scripted(defaults: Partial<Record<number, Answer>>) {
  const script = new Map<number, Answer[]>();
  const log: Array<[string, Record<string, unknown>]> = [];
  const names = new Map<number, string>(Object.entries(ApiKey).map(([k, v]) => [v as number, k]));
  const conn = {
    request: (api: { apiKey: number }, req: Record<string, unknown>) => {
      log.push([names.get(api.apiKey)!, req]);
      const answer = script.get(api.apiKey)?.shift() ?? defaults[api.apiKey];
      if (!answer) return new Promise(() => undefined);
      return Promise.resolve(answer(req));
    },
  };
  const cluster = {
    anyConnection: () => Promise.resolve(conn),
    connectionTo: () => Promise.resolve(conn),
    partitionCount: () => Promise.resolve(4),
  } as unknown as KafkaCluster;
  const next = (api: number, a: Answer) => script.set(api, [...(script.get(api) ?? []), a]);
  return { cluster, log, next };
}

const subscription = (topics: string[]): Buffer => {
  const w = new Writer();
  ConsumerProtocol.encodeConsumerProtocolSubscription(w, { topics, userData: null, ownedPartitions: [] });
  return w.finish();
};

// a member's settings: cooperative unless told otherwise, short heartbeats
const settings = (more: Partial<ConstructorParameters<typeof GroupCoordinator>[1]>) => ({
  groupId: 'g',
  topics: ['t'],
  assignors: ['cooperative-sticky'] as const,
  groupInstanceId: null,
  sessionTimeoutMs: 1000,
  rebalanceTimeoutMs: 1000,
  heartbeatIntervalMs: 5,
  requestTimeoutMs: 1000,
  log: SILENT_LOG,
  ...more,
});
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('lib/kafka group coordinator (scripted answers)', () => {
  it('joins with the MEMBER_ID_REQUIRED retry, assigns as leader, and rejoins on REBALANCE_IN_PROGRESS and ILLEGAL_GENERATION, and only finds the coordinator again on NOT_COORDINATOR', async () => {
    let generation = 0;
    const { cluster, log, next } = scripted({
      [ApiKey.FindCoordinator]: () => ({
        coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: 1, errorCode: 0, errorMessage: null }],
      }),
      [ApiKey.JoinGroup]: (req) => ({
        errorCode: 0,
        generationId: ++generation,
        leader: 'm1',
        memberId: 'm1',
        members: [
          { memberId: 'm1', groupInstanceId: null, metadata: subscription(['t']) },
          { memberId: 'm2', groupInstanceId: null, metadata: subscription(['t']) },
        ],
        reqMemberId: req.memberId,
      }),
      [ApiKey.SyncGroup]: (req) => {
        const mine = (req.assignments as Array<{ memberId: string; assignment: Buffer }>).find((a) => a.memberId === 'm1')!;
        return { errorCode: 0, assignment: mine.assignment };
      },
      [ApiKey.Heartbeat]: () => ({ errorCode: 0 }),
      [ApiKey.OffsetCommit]: () => ({ topics: [] }),
      [ApiKey.LeaveGroup]: () => ({ errorCode: 0, members: [] }),
    });
    next(ApiKey.JoinGroup, () => ({ errorCode: 79, memberId: 'm1', members: [] }));
    const assigned: TopicPartition[][] = [];
    let revokes = 0;
    const g = new GroupCoordinator(cluster, settings({ assignors: ['range'] }), {
      assigned: (p) => {
        assigned.push(p);
        return Promise.resolve();
      },
      revoke: () => {
        revokes++;
        return Promise.resolve();
      },
    });
    await g.start();
    const joins = () => log.filter(([n]) => n === 'JoinGroup').map(([, r]) => r.memberId);
    expect(joins()).to.deep.equal(['', 'm1']);
    // the leader's range assignment: m1 (first by id) gets 0-1 of 4, m2 gets 2-3
    const sync = log.find(([n]) => n === 'SyncGroup')![1];
    const plan = (sync.assignments as Array<{ memberId: string; assignment: Buffer }>).map((a) => [
      a.memberId,
      ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(a.assignment)).assignedPartitions,
    ]);
    expect(plan).to.deep.equal([
      ['m1', [{ topic: 't', partitions: [0, 1] }]],
      ['m2', [{ topic: 't', partitions: [2, 3] }]],
    ]);
    expect(assigned[0]).to.deep.equal([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);

    next(ApiKey.Heartbeat, () => ({ errorCode: 27 }));
    await until(() => assigned.length === 2);
    expect(joins().slice(2)).to.deep.equal(['m1']);

    next(ApiKey.Heartbeat, () => ({ errorCode: 22 }));
    await until(() => assigned.length === 3);
    // a lost generation rejoins as a new member
    expect(joins().slice(3)).to.deep.equal(['']);

    const finds = () => log.filter(([n]) => n === 'FindCoordinator').length;
    expect(finds()).to.equal(1);
    // NOT_COORDINATOR: the coordinator is found again and the generation kept, as the Java client does (no rejoin)
    next(ApiKey.Heartbeat, () => ({ errorCode: 16 }));
    const beats = () => log.filter(([n]) => n === 'Heartbeat').length;
    const before = beats();
    await until(() => finds() === 2 && beats() >= before + 3);
    expect(assigned).to.have.length(3);
    // partitions are given up before every rejoin (and before the first join, when none are owned)
    expect(revokes).to.equal(3);

    await g.commit([{ topic: 't', partition: 0, offset: 42 }]);
    const commit = log.find(([n]) => n === 'OffsetCommit')![1];
    expect(commit.generationIdOrMemberEpoch).to.equal(generation);
    expect(commit.memberId).to.equal('m1');
    await g.close();
    expect(log[log.length - 1][0]).to.equal('LeaveGroup');
  });
});

describe('lib/kafka group coordinator: cooperative rebalances and static membership (scripted answers)', () => {
  const found = () => ({ coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: 1, errorCode: 0, errorMessage: null }] });
  const assignment = (partitions: number[]): Buffer => {
    const w = new Writer();
    ConsumerProtocol.encodeConsumerProtocolAssignment(w, { assignedPartitions: [{ topic: 't', partitions }], userData: null });
    return w.finish();
  };
  const tps = (ps: number[]) => ps.map((partition) => ({ topic: 't', partition }));
  // a coordinator that answers JoinGroup and SyncGroup as given, and the rest with no error
  const group = (join: Answer, sync: Answer) =>
    scripted({
      [ApiKey.FindCoordinator]: found,
      [ApiKey.JoinGroup]: join,
      [ApiKey.SyncGroup]: sync,
      [ApiKey.Heartbeat]: () => ({ errorCode: 0 }),
      [ApiKey.OffsetCommit]: () => ({ topics: [] }),
      [ApiKey.LeaveGroup]: () => ({ errorCode: 0, members: [] }),
    });

  it('cooperative: only the partitions taken away are revoked, then the member rejoins at once with what it kept', async () => {
    let generation = 0;
    const { cluster, log, next } = scripted({
      [ApiKey.FindCoordinator]: found,
      [ApiKey.JoinGroup]: () => ({
        errorCode: 0,
        generationId: ++generation,
        protocolName: 'cooperative-sticky',
        leader: 'm0',
        memberId: 'm1',
        members: [],
      }),
      [ApiKey.SyncGroup]: () => ({ errorCode: 0, assignment: assignment([0, 1]) }),
      [ApiKey.Heartbeat]: () => ({ errorCode: 0 }),
      [ApiKey.LeaveGroup]: () => ({ errorCode: 0, members: [] }),
    });
    next(ApiKey.SyncGroup, () => ({ errorCode: 0, assignment: assignment([0, 1, 2, 3]) }));
    const assigned: TopicPartition[][] = [];
    const revoked: Array<TopicPartition[] | undefined> = [];
    const g = new GroupCoordinator(cluster, settings({}), {
      assigned: (p) => (assigned.push(p), Promise.resolve()),
      revoke: (p) => (revoked.push(p), Promise.resolve()),
    });
    await g.start();
    expect(assigned).to.deep.equal([tps([0, 1, 2, 3])]);
    const joins = () => log.filter(([n]) => n === 'JoinGroup').map(([, r]) => r);
    const sub = (r: Record<string, unknown>) =>
      ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader((r.protocols as Array<{ metadata: Buffer }>)[0].metadata));
    expect((joins()[0].protocols as Array<{ name: string }>).map((p) => p.name)).to.deep.equal(['cooperative-sticky']);
    expect(sub(joins()[0]).ownedPartitions).to.deep.equal([]);
    expect(sub(joins()[0]).generationId).to.equal(-1);

    // a rebalance takes 2 and 3 away: they alone are revoked, and a second join follows without a heartbeat's wait
    next(ApiKey.Heartbeat, () => ({ errorCode: 27 }));
    next(ApiKey.Heartbeat, () => new Promise(() => undefined) as never);
    await until(() => joins().length === 3);
    // the first join of the member (before it owned anything) revoked nothing: only the lost-membership path gives up all
    expect(revoked).to.deep.equal([undefined, tps([2, 3])]);
    expect(sub(joins()[1]).ownedPartitions).to.deep.equal([{ topic: 't', partitions: [0, 1, 2, 3] }]);
    expect(sub(joins()[1]).generationId).to.equal(1);
    expect(sub(joins()[2]).ownedPartitions).to.deep.equal([{ topic: 't', partitions: [0, 1] }]);
    expect(assigned.slice(1).flat()).to.deep.equal([]);
    await g.close();
  });

  it('the leader of a cooperative group withholds a partition another member still owns', async () => {
    const member = (memberId: string, owned: number[]) => {
      const w = new Writer();
      ConsumerProtocol.encodeConsumerProtocolSubscription(
        w,
        { topics: ['t'], userData: null, ownedPartitions: owned.length ? [{ topic: 't', partitions: owned }] : [], generationId: 4 },
        3,
      );
      return { memberId, groupInstanceId: null, metadata: w.finish() };
    };
    const { cluster, log } = group(
      () => ({
        errorCode: 0,
        generationId: 5,
        protocolName: 'cooperative-sticky',
        leader: 'm1',
        memberId: 'm1',
        members: [member('m1', []), member('m2', [0, 1, 2, 3])],
      }),
      () => ({ errorCode: 0, assignment: assignment([]) }),
    );
    const g = new GroupCoordinator(cluster, settings({}), { assigned: () => Promise.resolve(), revoke: () => Promise.resolve() });
    await g.start();
    const sync = log.find(([n]) => n === 'SyncGroup')![1];
    const plan = Object.fromEntries(
      (sync.assignments as Array<{ memberId: string; assignment: Buffer }>).map((a) => [
        a.memberId,
        ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(a.assignment)).assignedPartitions.flatMap((t) => t.partitions),
      ]),
    );
    // m2 keeps two; the two moving to m1 wait until m2 revoked them
    expect(plan).to.deep.equal({ m1: [], m2: [0, 1] });
    expect(sync.protocolName).to.equal('cooperative-sticky');
    await g.close();
  });

  it('a static member sends its group.instance.id, a static leader told to skip the assignment computes none, and close() does not leave', async () => {
    const { cluster, log } = group(
      () => ({
        errorCode: 0,
        generationId: 3,
        protocolName: 'range',
        leader: 'm1',
        skipAssignment: true,
        memberId: 'm1',
        members: [{ memberId: 'm1', groupInstanceId: 'i1', metadata: subscription(['t']) }],
      }),
      () => ({ errorCode: 0, assignment: assignment([1]) }),
    );
    const assigned: TopicPartition[][] = [];
    const g = new GroupCoordinator(cluster, settings({ assignors: ['range', 'cooperative-sticky'], groupInstanceId: 'i1' }), {
      assigned: (p) => (assigned.push(p), Promise.resolve()),
      revoke: () => Promise.resolve(),
    });
    await g.start();
    // a static member is never asked for a member id first (KIP-345): one join
    expect(log.filter(([n]) => n === 'JoinGroup')).to.have.length(1);
    expect(assigned).to.deep.equal([tps([1])]);
    await until(() => log.some(([n]) => n === 'Heartbeat'));
    await g.commit([{ topic: 't', partition: 1, offset: 7 }]);
    for (const name of ['JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit'])
      expect(log.find(([n]) => n === name)![1].groupInstanceId, name).to.equal('i1');
    expect(log.find(([n]) => n === 'SyncGroup')![1].assignments).to.deep.equal([]);
    await g.close();
    expect(log.some(([n]) => n === 'LeaveGroup')).to.equal(false);
  });
});

describe('lib/kafka KIP-848 consumer group member (scripted answers)', () => {
  const found = () => ({ coordinators: [{ key: 'g', nodeId: 1, host: '127.0.0.1', port: 1, errorCode: 0, errorMessage: null }] });
  const T = Buffer.alloc(16, 7);
  const metadata = () => ({ brokers: [], topics: [{ name: 't', errorCode: 0, topicId: T, isInternal: false, partitions: [] }] });
  const beat =
    (memberEpoch: number, partitions: number[] | null, errorCode = 0) =>
    () => ({
      errorCode,
      errorMessage: null,
      memberId: null,
      memberEpoch,
      heartbeatIntervalMs: 5,
      assignment: partitions === null ? null : [{ topicId: T, partitions }],
    });
  const owned = (req: Record<string, unknown>) =>
    ((req.topicPartitions as Array<{ partitions: number[] }> | null) ?? []).flatMap((t) => t.partitions);

  it('joins at epoch 0 with its own member id, gives up only what the assignment drops (then tells it at once), and rejoins at epoch 0 when fenced, losing its partitions uncommitted', async () => {
    const { cluster, log, next } = scripted({
      [ApiKey.FindCoordinator]: found,
      [ApiKey.Metadata]: metadata,
      [ApiKey.ConsumerGroupHeartbeat]: beat(3, null),
      [ApiKey.OffsetCommit]: () => ({ topics: [] }),
    });
    next(ApiKey.ConsumerGroupHeartbeat, beat(1, [0, 1, 2, 3]));
    next(ApiKey.ConsumerGroupHeartbeat, beat(2, [0, 1]));
    const revoked: Array<TopicPartition[] | undefined> = [];
    const assigned: TopicPartition[][] = [];
    const g = new ConsumerGroupMember(cluster, settings({ assignors: ['range'] }), {
      assigned: (p) => (assigned.push(p), Promise.resolve()),
      revoke: (p) => (revoked.push(p), Promise.resolve()),
    });
    await g.start();
    const beats = () => log.filter(([n]) => n === 'ConsumerGroupHeartbeat').map(([, r]) => r);
    await until(() => beats().length >= 3);
    expect(beats()[0]).to.include({ memberEpoch: 0, groupId: 'g' });
    expect(beats()[0].memberId).to.match(/^[0-9a-f-]{36}$/);
    expect(beats()[0].subscribedTopicNames).to.deep.equal(['t']);
    expect(assigned[0]).to.deep.equal([0, 1, 2, 3].map((partition) => ({ topic: 't', partition })));
    // epoch 2 drops 2 and 3: only they are revoked, and the next heartbeat owns 0 and 1
    expect(revoked).to.deep.equal([[2, 3].map((partition) => ({ topic: 't', partition }))]);
    expect(beats()[2]).to.include({ memberEpoch: 2 });
    expect(owned(beats()[2])).to.deep.equal([0, 1]);
    const memberId = beats()[0].memberId;

    next(ApiKey.ConsumerGroupHeartbeat, beat(-1, null, 110));
    await until(() => revoked.length === 2);
    // fenced: everything is lost, and the member joins again at epoch 0 with the same id and nothing owned
    expect(revoked[1]).to.equal(undefined);
    await until(() => beats().some((b, i) => i > 2 && b.memberEpoch === 0));
    const rejoin = beats().find((b, i) => i > 2 && b.memberEpoch === 0)!;
    expect(rejoin.memberId).to.equal(memberId);
    expect(owned(rejoin)).to.deep.equal([]);
    await g.close();
    // leaving is a heartbeat at epoch -1
    expect(beats()[beats().length - 1]).to.include({ memberEpoch: -1 });
  });

  it('a static member leaves at epoch -2, so it may come back to its partitions', async () => {
    const { cluster, log } = scripted({
      [ApiKey.FindCoordinator]: found,
      [ApiKey.Metadata]: metadata,
      [ApiKey.ConsumerGroupHeartbeat]: beat(1, [0]),
    });
    const g = new ConsumerGroupMember(cluster, settings({ groupInstanceId: 'i1' }), {
      assigned: () => Promise.resolve(),
      revoke: () => Promise.resolve(),
    });
    await g.start();
    await g.close();
    const beats = log.filter(([n]) => n === 'ConsumerGroupHeartbeat').map(([, r]) => r);
    expect(beats[0]).to.include({ instanceId: 'i1' });
    expect(beats[beats.length - 1]).to.include({ memberEpoch: -2, instanceId: 'i1' });
  });
});

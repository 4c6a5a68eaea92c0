import { expect } from 'chai';
import { ApiKey, Reader, Writer } from '../../../../protocol/kafka';
import * as ConsumerProtocol from '../../../../protocol/kafka/consumer-protocol';
import { SILENT_LOG } from '../../../../lib/core/logger';
import type { KafkaCluster } from '../../../../lib/kafka/cluster';
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
    const g = new GroupCoordinator(
      cluster,
      {
        groupId: 'g',
        topics: ['t'],
        sessionTimeoutMs: 1000,
        rebalanceTimeoutMs: 1000,
        heartbeatIntervalMs: 5,
        requestTimeoutMs: 1000,
        log: SILENT_LOG,
      },
      {
        assigned: (p) => {
          assigned.push(p);
          return Promise.resolve();
        },
        revoke: () => {
          revokes++;
          return Promise.resolve();
        },
      },
    );
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

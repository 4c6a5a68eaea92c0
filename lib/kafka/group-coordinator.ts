import { ApiKey, Reader, Writer } from '../../protocol/kafka';
import * as ConsumerProtocol from '../../protocol/kafka/consumer-protocol';
import * as FindCoordinator from '../../protocol/kafka/find-coordinator';
import * as Heartbeat from '../../protocol/kafka/heartbeat';
import * as JoinGroup from '../../protocol/kafka/join-group';
import * as LeaveGroup from '../../protocol/kafka/leave-group';
import * as OffsetCommit from '../../protocol/kafka/offset-commit';
import * as OffsetFetch from '../../protocol/kafka/offset-fetch';
import * as SyncGroup from '../../protocol/kafka/sync-group';
import { sleep } from '../core/backoff';
import { ClosedError, CortadoError } from '../core/errors';
import type { Log } from '../core/logger';
import type { KafkaCluster } from './cluster';
import type { KafkaApi, KafkaConnection } from './connection';
import { kafkaError } from './errors';

/** A KafkaApi descriptor from a protocol module's VERSION, FLEXIBLE, encoder and decoder. */
export function kafkaApi<Req, Res>(
  apiKey: number,
  mod: { VERSION: number; FLEXIBLE: boolean },
  encode: (w: import('../../protocol/kafka').Writer, req: Req) => void,
  decode: (r: import('../../protocol/kafka').Reader) => Res,
): KafkaApi<Req, Res> {
  return { apiKey, version: mod.VERSION, flexible: mod.FLEXIBLE, encode, decode };
}

const FIND_COORDINATOR = kafkaApi(
  ApiKey.FindCoordinator,
  FindCoordinator,
  FindCoordinator.encodeFindCoordinatorRequest,
  FindCoordinator.decodeFindCoordinatorResponse,
);
const JOIN_GROUP = kafkaApi(ApiKey.JoinGroup, JoinGroup, JoinGroup.encodeJoinGroupRequest, JoinGroup.decodeJoinGroupResponse);
const SYNC_GROUP = kafkaApi(ApiKey.SyncGroup, SyncGroup, SyncGroup.encodeSyncGroupRequest, SyncGroup.decodeSyncGroupResponse);
const HEARTBEAT = kafkaApi(ApiKey.Heartbeat, Heartbeat, Heartbeat.encodeHeartbeatRequest, Heartbeat.decodeHeartbeatResponse);
const LEAVE_GROUP = kafkaApi(ApiKey.LeaveGroup, LeaveGroup, LeaveGroup.encodeLeaveGroupRequest, LeaveGroup.decodeLeaveGroupResponse);
const OFFSET_COMMIT = kafkaApi(
  ApiKey.OffsetCommit,
  OffsetCommit,
  OffsetCommit.encodeOffsetCommitRequest,
  OffsetCommit.decodeOffsetCommitResponse,
);
const OFFSET_FETCH = kafkaApi(ApiKey.OffsetFetch, OffsetFetch, OffsetFetch.encodeOffsetFetchRequest, OffsetFetch.decodeOffsetFetchResponse);

export interface TopicPartition {
  topic: string;
  partition: number;
}

// error codes the group protocol answers with, by the Java client's names
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const ILLEGAL_GENERATION = 22;
const UNKNOWN_MEMBER_ID = 25;
const REBALANCE_IN_PROGRESS = 27;
const MEMBER_ID_REQUIRED = 79;
const COORDINATOR_MOVED = new Set([COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR]);

export interface GroupSettings {
  groupId: string;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
  log: Log;
}

/** What the member does with an assignment: take partitions, and give them all up before a rejoin (eager protocol). */
export interface GroupMember {
  assigned(partitions: TopicPartition[]): Promise<void>;
  revoke(): Promise<void>;
}

/** A group error that sends the member back to find the coordinator, or to rejoin. */
class Rejoin extends Error {
  constructor(
    readonly code: number,
    readonly what: string,
  ) {
    super(`${what}: error ${code}`);
  }
}

/**
 * The range assignor: per topic, the members subscribed to it sorted by member id each get a run
 * of consecutive partitions, the first `count % members` one more (Kafka's RangeAssignor).
 */
export function rangeAssign(
  members: Array<{ memberId: string; topics: string[] }>,
  partitionCounts: Map<string, number>,
): Map<string, TopicPartition[]> {
  const out = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const subscribed = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    const per = Math.floor(count / subscribed.length);
    const extra = count % subscribed.length;
    let next = 0;
    subscribed.forEach((memberId, i) => {
      const n = per + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) out.get(memberId)!.push({ topic, partition: next++ });
    });
  }
  return out;
}

/**
 * One member of a classic consumer group: finds the coordinator, joins (the leader computes the
 * range assignment), syncs, heartbeats, rejoins when the group rebalances, and leaves on close.
 */
export class GroupCoordinator {
  memberId = '';
  generationId = -1;
  private coordinator?: { nodeId: number; host: string; port: number };
  private closed = false;
  private loop?: Promise<void>;
  /** wakes the heartbeat wait when a rejoin is needed or the member closes */
  private wake?: () => void;
  private rejoinNeeded = false;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly settings: GroupSettings,
    private readonly member: GroupMember,
  ) {}

  /** Joins the group; resolves once the first assignment was taken, rejects on a final error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let first = true;
      this.loop = this.run(() => {
        if (first) resolve();
        first = false;
      }).catch((err: unknown) => {
        if (first) reject(err as Error);
        else this.settings.log.error(`consumer group ${this.settings.groupId} stopped: ${(err as Error).message}`);
      });
    });
  }

  private async run(joined: () => void): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      try {
        // eager protocol: whatever was owned (a rebalance, or a lost generation) is given up before joining
        await this.member.revoke();
        if (this.closed) return;
        await this.joinAndSync();
        backoff = 100;
        joined();
        await this.heartbeatUntilRejoin();
      } catch (err) {
        if (this.closed) return;
        if (err instanceof Rejoin) {
          this.settings.log.info(`consumer group ${this.settings.groupId}: ${err.message}; rejoining`);
          if (err.code === ILLEGAL_GENERATION || err.code === UNKNOWN_MEMBER_ID) {
            this.memberId = '';
            this.generationId = -1;
          }
          if (COORDINATOR_MOVED.has(err.code) || err.code === COORDINATOR_LOAD_IN_PROGRESS) this.coordinator = undefined;
        } else if (err instanceof CortadoError && !err.canRetry) {
          throw err;
        } else {
          // a lost connection or a timeout: find the coordinator again after a pause
          this.settings.log.warn(`consumer group ${this.settings.groupId}: ${(err as Error).message}; retrying`);
          this.coordinator = undefined;
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private async connection(): Promise<KafkaConnection> {
    if (this.closed) throw new ClosedError('the consumer is closed');
    if (!this.coordinator) {
      const conn = await this.cluster.anyConnection();
      const res = await conn.request(FIND_COORDINATOR, {
        keyType: FindCoordinator.KEY_TYPE_GROUP,
        coordinatorKeys: [this.settings.groupId],
      });
      const c = res.coordinators[0];
      if (!c) throw new Rejoin(COORDINATOR_NOT_AVAILABLE, 'FindCoordinator answered no coordinator');
      if (c.errorCode !== 0) this.fail(c.errorCode, 'FindCoordinator', c.errorMessage);
      this.coordinator = { nodeId: c.nodeId, host: c.host, port: c.port };
    }
    return this.cluster.connectionTo({ host: this.coordinator.host, port: this.coordinator.port, tls: false });
  }

  // Group errors send the member back around the loop; others are typed errors.
  private fail(code: number, what: string, message?: string | null): never {
    if (
      COORDINATOR_MOVED.has(code) ||
      code === COORDINATOR_LOAD_IN_PROGRESS ||
      code === ILLEGAL_GENERATION ||
      code === UNKNOWN_MEMBER_ID ||
      code === REBALANCE_IN_PROGRESS
    )
      throw new Rejoin(code, what);
    throw kafkaError(code, `${what} of group ${this.settings.groupId}`, message);
  }

  private async joinAndSync(): Promise<void> {
    const s = this.settings;
    const w = new Writer();
    ConsumerProtocol.encodeConsumerProtocolSubscription(w, { topics: s.topics, userData: null, ownedPartitions: [] });
    const metadata = w.finish();
    let res: JoinGroup.JoinGroupResponse;
    for (;;) {
      const conn = await this.connection();
      res = await conn.request(
        JOIN_GROUP,
        {
          groupId: s.groupId,
          sessionTimeoutMs: s.sessionTimeoutMs,
          rebalanceTimeoutMs: s.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: null,
          protocolType: 'consumer',
          protocols: [{ name: 'range', metadata }],
          reason: null,
        },
        // the coordinator holds JoinGroup until every member rejoined, up to the rebalance timeout
        s.rebalanceTimeoutMs + s.requestTimeoutMs,
      );
      // KIP-394: a first join gets its member id back with MEMBER_ID_REQUIRED and joins again with it
      if (res.errorCode === MEMBER_ID_REQUIRED) {
        this.memberId = res.memberId;
        continue;
      }
      if (res.errorCode !== 0) this.fail(res.errorCode, 'JoinGroup', null);
      break;
    }
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (res.leader === res.memberId) assignments = await this.assign(res.members);
    const conn = await this.connection();
    const sync = await conn.request(SYNC_GROUP, {
      groupId: s.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    });
    if (sync.errorCode !== 0) this.fail(sync.errorCode, 'SyncGroup', null);
    const mine =
      sync.assignment && sync.assignment.length > 0
        ? ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(sync.assignment))
        : undefined;
    const partitions: TopicPartition[] = [];
    for (const a of mine?.assignedPartitions ?? []) for (const p of a.partitions) partitions.push({ topic: a.topic, partition: p });
    s.log.info(
      `consumer group ${s.groupId} generation ${this.generationId}: member ${this.memberId} got ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ') || 'nothing'}`,
    );
    this.rejoinNeeded = false;
    await this.member.assigned(partitions);
  }

  // The leader's part: every member's subscription, the partition counts, and the range assignment.
  private async assign(members: JoinGroup.JoinGroupResponseMember[]): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const subs = members.map((m) => ({
      memberId: m.memberId,
      topics: ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader(m.metadata)).topics,
    }));
    const counts = new Map<string, number>();
    for (const topic of new Set(subs.flatMap((m) => m.topics))) counts.set(topic, Math.max(1, await this.cluster.partitionCount(topic)));
    const plan = rangeAssign(subs, counts);
    return [...plan].map(([memberId, parts]) => {
      const byTopic = new Map<string, number[]>();
      for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      const w = new Writer();
      ConsumerProtocol.encodeConsumerProtocolAssignment(w, {
        assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        userData: null,
      });
      return { memberId, assignment: w.finish() };
    });
  }

  // Heartbeats every heartbeatIntervalMs; returns when the group rebalances (or the member closes).
  private async heartbeatUntilRejoin(): Promise<void> {
    while (!this.closed && !this.rejoinNeeded) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, this.settings.heartbeatIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = undefined;
      if (this.closed || this.rejoinNeeded) return;
      let code: number;
      try {
        const conn = await this.connection();
        const res = await conn.request(HEARTBEAT, {
          groupId: this.settings.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        });
        code = res.errorCode;
      } catch (err) {
        if ((err instanceof Rejoin && !COORDINATOR_MOVED.has(err.code)) || (err instanceof CortadoError && !err.canRetry) || this.closed)
          throw err;
        // as the Java client: a lost coordinator is found again and the generation kept; if the session ran out meanwhile it answers UNKNOWN_MEMBER_ID
        this.settings.log.warn(
          `consumer group ${this.settings.groupId}: heartbeat failed: ${(err as Error).message}; finding the coordinator again`,
        );
        this.coordinator = undefined;
        continue;
      }
      if (code === REBALANCE_IN_PROGRESS) return;
      if (COORDINATOR_MOVED.has(code)) {
        this.coordinator = undefined;
        continue;
      }
      if (code !== 0) this.fail(code, 'Heartbeat');
    }
  }

  /** The committed offset of each partition (-1 for none). */
  async committed(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const conn = await this.connection();
    const res = await conn.request(OFFSET_FETCH, {
      groups: [{ groupId: this.settings.groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }],
      requireStable: false,
    });
    const out = new Map<string, number>();
    for (const g of res.groups) {
      if (g.errorCode !== 0) this.fail(g.errorCode, 'OffsetFetch');
      for (const t of g.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) this.fail(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
          out.set(`${t.name}-${p.partitionIndex}`, Number(p.committedOffset));
        }
      }
    }
    return out;
  }

  /** Commits `offsets` (the next offset to read of each partition) under the current generation. */
  async commit(offsets: Array<TopicPartition & { offset: number }>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.commitOnce(offsets);
      } catch (err) {
        // the group moved to another coordinator: find it and commit there (the generation still holds)
        if (!(err instanceof Rejoin && COORDINATOR_MOVED.has(err.code)) || attempt >= 3 || this.closed) throw err;
        this.coordinator = undefined;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  private async commitOnce(offsets: Array<TopicPartition & { offset: number }>): Promise<void> {
    if (offsets.length === 0 || this.generationId < 0) return;
    const byTopic = new Map<
      string,
      Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string }>
    >();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: '' });
      byTopic.set(o.topic, list);
    }
    const conn = await this.connection();
    const res = await conn.request(OFFSET_COMMIT, {
      groupId: this.settings.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === 0) continue;
        if (p.errorCode === REBALANCE_IN_PROGRESS || p.errorCode === ILLEGAL_GENERATION || p.errorCode === UNKNOWN_MEMBER_ID)
          this.requestRejoin();
        this.fail(p.errorCode, `OffsetCommit of ${t.name}-${p.partitionIndex}`);
      }
    }
  }

  /** Makes the member rejoin at its next step (a commit learned the group rebalances). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.wake?.();
  }

  /** Stops heartbeating and leaves the group, so its partitions move at once rather than after the session timeout. */
  async close(deadline = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    // a JoinGroup in flight may take the rebalance timeout: wait for the loop only until the deadline
    let timer: NodeJS.Timeout | undefined;
    const bound = deadline > 0 ? Math.max(0, deadline - Date.now()) : this.settings.requestTimeoutMs;
    await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, bound)))]);
    clearTimeout(timer);
    if (!this.memberId || !this.coordinator) return;
    try {
      const conn = await this.cluster.connectionTo({ host: this.coordinator.host, port: this.coordinator.port, tls: false });
      await conn.request(LEAVE_GROUP, {
        groupId: this.settings.groupId,
        members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer closed' }],
      });
    } catch (err) {
      // the coordinator drops the member after the session timeout anyway
      this.settings.log.warn(`leaving consumer group ${this.settings.groupId} failed: ${(err as Error).message}`);
    }
    this.memberId = '';
    this.generationId = -1;
  }
}

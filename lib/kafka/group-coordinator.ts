import { ERROR_CODE } from '../../protocol/kafka';
import { Reader, Writer } from '../../protocol/kafka';
import * as FindCoordinator from '../../protocol/kafka/find-coordinator';
import type * as JoinGroup from '../../protocol/kafka/join-group';
import * as ConsumerProtocol from '../../protocol/kafka/consumer-protocol';
import { sleep } from '../core/backoff';
import { ClosedError, ConsumerFencedError, CortadoError, ProtocolError } from '../core/errors';
import type { Log } from '../core/logger';
import type { KafkaCluster } from './cluster';
import type { KafkaConnection } from './connection';
import { FIND_COORDINATOR, HEARTBEAT, JOIN_GROUP, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH, SYNC_GROUP } from './group-apis';
import { kafkaError } from './errors';
import type { PartitionAssignorName } from './options';
import { cooperativeStickyAssign } from './sticky-assignor';

export { kafkaApi } from './group-apis';

import type { TopicPartition } from './topic-partition';

// error codes the group protocol answers with, by the Java client's names
const {
  COORDINATOR_LOAD_IN_PROGRESS,
  FENCED_INSTANCE_ID,
  COORDINATOR_NOT_AVAILABLE,
  NOT_COORDINATOR,
  ILLEGAL_GENERATION,
  UNKNOWN_MEMBER_ID,
  REBALANCE_IN_PROGRESS,
  MEMBER_ID_REQUIRED,
} = ERROR_CODE;
export type { TopicPartition } from './topic-partition';

const COORDINATOR_MOVED = new Set([COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR]);

export interface GroupSettings {
  groupId: string;
  topics: string[];
  /** the assignors this member supports, most preferred first */
  assignors: readonly PartitionAssignorName[];
  /** static membership's group.instance.id, or null */
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
  log: Log;
}

/**
 * What the member does with an assignment: take the partitions added to it, and give up some (the
 * cooperative protocol) or all of them (before an eager rejoin, or when the membership was lost).
 */
export interface GroupMember {
  assigned(partitions: TopicPartition[]): Promise<void>;
  /** `undefined`: every partition */
  revoke(partitions?: TopicPartition[]): Promise<void>;
  /** the membership ended for good after the first assignment (fenced, say): the member runs no more */
  stopped?(err: CortadoError): void;
}

/** The rebalance protocol: cooperative only when every configured assignor is (as Java picks it). */
export function rebalanceProtocolOf(assignors: readonly PartitionAssignorName[]): 'eager' | 'cooperative' {
  return assignors.every((a) => a === 'cooperative-sticky') ? 'cooperative' : 'eager';
}

const keyOf = (p: TopicPartition): string => `${p.topic}-${p.partition}`;

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
  protected coordinator?: { nodeId: number; host: string; port: number };
  protected closed = false;
  private loop?: Promise<void>;
  /** wakes the heartbeat wait when a rejoin is needed or the member closes */
  private wake?: () => void;
  private rejoinNeeded = false;
  /** the partitions this member holds now */
  protected owned: TopicPartition[] = [];
  /** OffsetCommit as this protocol needs it (KIP-848 members need v9) */
  protected offsetCommitApi = OFFSET_COMMIT;
  private readonly protocol: 'eager' | 'cooperative';
  /** set once another member took this one's group.instance.id: every later step fails with it */
  protected fencedBy?: ConsumerFencedError;

  constructor(
    protected readonly cluster: KafkaCluster,
    protected readonly settings: GroupSettings,
    protected readonly member: GroupMember,
  ) {
    this.protocol = rebalanceProtocolOf(settings.assignors);
  }

  /** Joins the group; resolves once the first assignment was taken, rejects on a final error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let first = true;
      this.loop = this.run(() => {
        if (first) resolve();
        first = false;
      }).catch((err: unknown) => {
        if (first) reject(err as Error);
        else {
          this.settings.log.error(`consumer group ${this.settings.groupId} stopped: ${(err as Error).message}`);
          // only final CortadoErrors leave run(); anything else is retried there
          if (err instanceof CortadoError) this.member.stopped?.(err);
        }
      });
    });
  }

  protected async run(joined: () => void): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      try {
        if (this.fencedBy) throw this.fencedBy;
        // eager: whatever was owned is given up before joining; cooperative: only a lost membership gives up all
        if (this.protocol === 'eager' || this.generationId < 0) await this.giveUp();
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

  protected async giveUp(partitions?: TopicPartition[]): Promise<void> {
    const gone = new Set((partitions ?? this.owned).map(keyOf));
    await this.member.revoke(partitions);
    this.owned = this.owned.filter((p) => !gone.has(keyOf(p)));
  }

  protected async connection(): Promise<KafkaConnection> {
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

  /** FENCED_INSTANCE_ID: another member took this one's group.instance.id; final, as Java's FencedInstanceIdException, so no rejoin. */
  protected fence(what: string): ConsumerFencedError {
    const id = this.settings.groupInstanceId ?? '';
    this.fencedBy ??= new ConsumerFencedError(
      `${what} of group ${this.settings.groupId}: FENCED_INSTANCE_ID: another consumer joined with groupInstanceId ${id}; this one consumes no more`,
      id,
    );
    this.wake?.();
    return this.fencedBy;
  }

  // Group errors send the member back around the loop; others are typed errors.
  private fail(code: number, what: string, message?: string | null): never {
    if (code === FENCED_INSTANCE_ID) throw this.fence(what);
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
    const protocols = s.assignors.map((name) => ({ name, metadata: this.subscription(name) }));
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
          groupInstanceId: s.groupInstanceId,
          protocolType: 'consumer',
          protocols,
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
    const protocolName = res.protocolName ?? s.assignors[0];
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    // a static leader rejoining (skipAssignment) keeps the group's assignment: it computes none
    if (res.leader === res.memberId && !res.skipAssignment) assignments = await this.assign(protocolName, res.members);
    const conn = await this.connection();
    const sync = await conn.request(SYNC_GROUP, {
      groupId: s.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: s.groupInstanceId,
      protocolType: 'consumer',
      protocolName,
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
      `consumer group ${s.groupId} generation ${this.generationId} (${protocolName}): member ${this.memberId} got ${partitions.map(keyOf).join(', ') || 'nothing'}`,
    );
    this.rejoinNeeded = false;
    const now = new Set(partitions.map(keyOf));
    const had = new Set(this.owned.map(keyOf));
    const revoked = this.owned.filter((p) => !now.has(keyOf(p)));
    const added = partitions.filter((p) => !had.has(keyOf(p)));
    if (revoked.length > 0) {
      await this.giveUp(revoked);
      // cooperative: what was given up goes to its new owner in a second rebalance, started now
      this.rejoinNeeded = true;
    }
    this.owned.push(...added);
    await this.member.assigned(added);
  }

  // What this member sends for one assignor: its topics, what it owns and in which generation (v3, as Java writes).
  private subscription(assignor: PartitionAssignorName): Buffer {
    const byTopic = new Map<string, number[]>();
    for (const p of this.owned) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const w = new Writer();
    ConsumerProtocol.encodeConsumerProtocolSubscription(
      w,
      {
        topics: this.settings.topics,
        // cooperative-sticky also carries the generation in its user data, for readers of v0/v1
        userData: assignor === 'cooperative-sticky' ? new Writer().int32(this.generationId).finish() : null,
        ownedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        generationId: this.generationId,
        rackId: null,
      },
      3,
    );
    return w.finish();
  }

  // The leader's part: every member's subscription, the partition counts, and the chosen assignor's plan.
  private async assign(
    protocolName: string,
    members: JoinGroup.JoinGroupResponseMember[],
  ): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const subs = members.map((m) => {
      const sub = ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader(m.metadata));
      const owned = sub.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
      // a v0/v1 cooperative-sticky member carries its generation in the user data
      const generation = sub.generationId ?? -1;
      const fromUserData = generation < 0 && sub.userData && sub.userData.length >= 4 ? sub.userData.readInt32BE(0) : -1;
      return { memberId: m.memberId, topics: sub.topics, ownedPartitions: owned, generationId: Math.max(generation, fromUserData) };
    });
    const counts = new Map<string, number>();
    for (const topic of new Set(subs.flatMap((m) => m.topics))) counts.set(topic, Math.max(1, await this.cluster.partitionCount(topic)));
    let plan: Map<string, TopicPartition[]>;
    if (protocolName === 'range') plan = rangeAssign(subs, counts);
    else if (protocolName === 'cooperative-sticky') plan = cooperativeStickyAssign(subs, counts);
    else throw new ProtocolError(`the group chose assignor ${protocolName}, which this member does not support`);
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

  /** Waits `ms`, or less when woken (a rejoin is needed, or the member closes). */
  protected async pause(ms: number): Promise<void> {
    await new Promise<void>((r) => {
      const timer = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(timer);
        r();
      };
    });
    this.wake = undefined;
  }

  // Heartbeats every heartbeatIntervalMs; returns when the group rebalances (or the member closes).
  private async heartbeatUntilRejoin(): Promise<void> {
    while (!this.closed && !this.rejoinNeeded) {
      await this.pause(this.settings.heartbeatIntervalMs);
      // a commit learned of the fence: no heartbeat needed to know it
      if (this.fencedBy) throw this.fencedBy;
      if (this.closed || this.rejoinNeeded) return;
      let code: number;
      try {
        const conn = await this.connection();
        const res = await conn.request(HEARTBEAT, {
          groupId: this.settings.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: this.settings.groupInstanceId,
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
    if (this.fencedBy) throw this.fencedBy;
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
    const res = await conn.request(this.offsetCommitApi, {
      groupId: this.settings.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.settings.groupInstanceId,
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

  /**
   * Stops heartbeating and leaves the group, so its partitions move at once rather than after the
   * session timeout; a static member does not leave.
   */
  protected async leave(conn: KafkaConnection): Promise<void> {
    // a static member stays in the group (as Java's close does): a restart within the session timeout keeps its partitions
    if (this.settings.groupInstanceId !== null) return;
    await conn.request(LEAVE_GROUP, {
      groupId: this.settings.groupId,
      members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the consumer closed' }],
    });
  }

  async close(deadline = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    // a JoinGroup in flight may take the rebalance timeout: wait for the loop only until the deadline
    let timer: NodeJS.Timeout | undefined;
    const bound = deadline > 0 ? Math.max(0, deadline - Date.now()) : this.settings.requestTimeoutMs;
    await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, bound)))]);
    clearTimeout(timer);
    // a fenced member's id belongs to nobody now: there is nothing to leave
    if (!this.memberId || !this.coordinator || this.fencedBy) return;
    try {
      await this.leave(await this.cluster.connectionTo({ host: this.coordinator.host, port: this.coordinator.port, tls: false }));
    } catch (err) {
      // the coordinator drops the member after the session timeout anyway
      this.settings.log.warn(`leaving consumer group ${this.settings.groupId} failed: ${(err as Error).message}`);
    }
    this.memberId = '';
    this.generationId = -1;
  }
}

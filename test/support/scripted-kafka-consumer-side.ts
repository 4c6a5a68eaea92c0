import { ApiKey, encodeRecordBatch } from '../../protocol/kafka';
import type { Reader, Writer } from '../../protocol/kafka';
import type * as K from '../../protocol/kafka';
import * as W from './scripted-kafka-group-wire';

// What the scripted Kafka peer answers to a consumer by default: Fetch and ListOffsets from its
// partition logs, and one classic group coordinator (eager, joins answered at once, no waiting for
// other members) with offsets kept per group.

export interface ConsumerRequestBodies {
  Fetch: K.Fetch.FetchRequest;
  ListOffsets: K.ListOffsets.ListOffsetsRequest;
  FindCoordinator: K.FindCoordinator.FindCoordinatorRequest;
  JoinGroup: K.JoinGroup.JoinGroupRequest;
  SyncGroup: K.SyncGroup.SyncGroupRequest;
  Heartbeat: K.Heartbeat.HeartbeatRequest;
  LeaveGroup: K.LeaveGroup.LeaveGroupRequest;
  OffsetCommit: K.OffsetCommit.OffsetCommitRequest;
  OffsetFetch: K.OffsetFetch.OffsetFetchRequest;
}

export interface ConsumerResponseBodies {
  Fetch: K.Fetch.FetchResponse;
  ListOffsets: K.ListOffsets.ListOffsetsResponse;
  FindCoordinator: K.FindCoordinator.FindCoordinatorResponse;
  JoinGroup: K.JoinGroup.JoinGroupResponse;
  SyncGroup: K.SyncGroup.SyncGroupResponse;
  Heartbeat: K.Heartbeat.HeartbeatResponse;
  LeaveGroup: K.LeaveGroup.LeaveGroupResponse;
  OffsetCommit: K.OffsetCommit.OffsetCommitResponse;
  OffsetFetch: K.OffsetFetch.OffsetFetchResponse;
}

export type ConsumerApiName = keyof ConsumerRequestBodies;

type Codec<A extends ConsumerApiName> = {
  key: number;
  /** the version cortado pins, which the peer offers as its range's top */
  version: number;
  decode: (r: Reader) => ConsumerRequestBodies[A];
  encode: (w: Writer, res: ConsumerResponseBodies[A]) => void;
};

export const CONSUMER_APIS: { [A in ConsumerApiName]: Codec<A> } = {
  Fetch: { key: ApiKey.Fetch, version: 12, decode: W.decodeFetchRequest, encode: W.encodeFetchResponse },
  ListOffsets: { key: ApiKey.ListOffsets, version: 7, decode: W.decodeListOffsetsRequest, encode: W.encodeListOffsetsResponse },
  FindCoordinator: {
    key: ApiKey.FindCoordinator,
    version: 4,
    decode: W.decodeFindCoordinatorRequest,
    encode: W.encodeFindCoordinatorResponse,
  },
  JoinGroup: { key: ApiKey.JoinGroup, version: 9, decode: W.decodeJoinGroupRequest, encode: W.encodeJoinGroupResponse },
  SyncGroup: { key: ApiKey.SyncGroup, version: 5, decode: W.decodeSyncGroupRequest, encode: W.encodeSyncGroupResponse },
  Heartbeat: { key: ApiKey.Heartbeat, version: 4, decode: W.decodeHeartbeatRequest, encode: W.encodeHeartbeatResponse },
  LeaveGroup: { key: ApiKey.LeaveGroup, version: 5, decode: W.decodeLeaveGroupRequest, encode: W.encodeLeaveGroupResponse },
  OffsetCommit: { key: ApiKey.OffsetCommit, version: 8, decode: W.decodeOffsetCommitRequest, encode: W.encodeOffsetCommitResponse },
  OffsetFetch: { key: ApiKey.OffsetFetch, version: 8, decode: W.decodeOffsetFetchRequest, encode: W.encodeOffsetFetchResponse },
};

const NOT_LEADER = 6;
const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_TOPIC = 3;
const NOT_COORDINATOR = 16;
const ILLEGAL_GENERATION = 22;
const UNKNOWN_MEMBER_ID = 25;
const MEMBER_ID_REQUIRED = 79;
// records per batch the peer's log is cut into, aligned from offset 0 (so a fetch mid-batch gets the whole batch, as from a broker)
export const SCRIPTED_BATCH = 4;

/** One classic group as the scripted coordinator keeps it. */
export interface ScriptedGroup {
  generation: number;
  leader: string;
  /** member id -> its subscription metadata */
  members: Map<string, Buffer>;
  /** member id -> what the leader's SyncGroup gave it */
  assignments: Map<string, Buffer>;
  /** `topic-partition` -> committed offset */
  offsets: Map<string, number>;
  nextMember: number;
}

/** What the consumer side needs of its peer. */
export interface ConsumerSidePeer {
  readonly nodeId: number;
  leaderOf(topic: string, partition: number): number;
  leaderEpochOf(topic: string, partition: number): number;
  hasTopic(topic: string): boolean;
  broker(nodeId: number): { host: string; port: number } | undefined;
  /** the node coordinating every group */
  coordinator(): number;
  groups: Map<string, ScriptedGroup>;
  values(topic: string, partition: number): Array<{ key: string | null; value: string | null }>;
  logStart(topic: string, partition: number): number;
}

export class ScriptedConsumerSide {
  constructor(private readonly peer: ConsumerSidePeer) {}

  /** Whether a Fetch would answer nothing new (so the peer holds it up to its max wait first). */
  fetchIsEmpty(req: K.Fetch.FetchRequest): boolean {
    for (const t of req.topics)
      for (const p of t.partitions) {
        if (this.peer.leaderOf(t.topic, p.partition) !== this.peer.nodeId) return false;
        if (Number(p.fetchOffset) !== this.peer.values(t.topic, p.partition).length) return false;
      }
    return true;
  }

  answer<A extends ConsumerApiName>(api: A, body: ConsumerRequestBodies[A]): ConsumerResponseBodies[A] {
    const fn = (this as unknown as Record<string, (b: unknown) => unknown>)[`on${api}`];
    return fn.call(this, body) as ConsumerResponseBodies[A];
  }

  /** The API's answer with `code` wherever it has an error code (nothing changes in the group or logs). */
  error<A extends ConsumerApiName>(api: A, body: ConsumerRequestBodies[A], code: number): ConsumerResponseBodies[A] {
    const b = body as ConsumerRequestBodies[ConsumerApiName];
    const r = (x: unknown) => x as ConsumerResponseBodies[A];
    switch (api) {
      case 'Fetch':
        return r({
          throttleTimeMs: 0,
          errorCode: 0,
          sessionId: 0,
          responses: (b as K.Fetch.FetchRequest).topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => this.partitionData(p.partition, code, t.topic, null)),
          })),
        });
      case 'ListOffsets':
        return r({
          throttleTimeMs: 0,
          topics: (b as K.ListOffsets.ListOffsetsRequest).topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: code,
              timestamp: -1n,
              offset: -1n,
              leaderEpoch: -1,
            })),
          })),
        });
      case 'FindCoordinator':
        return r({
          throttleTimeMs: 0,
          coordinators: (b as K.FindCoordinator.FindCoordinatorRequest).coordinatorKeys.map((key) => ({
            key,
            nodeId: -1,
            host: '',
            port: -1,
            errorCode: code,
            errorMessage: null,
          })),
        });
      case 'JoinGroup':
        return r(this.joinAnswer(code, -1, '', (b as K.JoinGroup.JoinGroupRequest).memberId, []));
      case 'SyncGroup':
        return r({ throttleTimeMs: 0, errorCode: code, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
      case 'Heartbeat':
        return r({ throttleTimeMs: 0, errorCode: code });
      case 'LeaveGroup':
        return r({ throttleTimeMs: 0, errorCode: code, members: [] });
      case 'OffsetCommit':
        return r({
          throttleTimeMs: 0,
          topics: (b as K.OffsetCommit.OffsetCommitRequest).topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
          })),
        });
      default:
        return r({
          throttleTimeMs: 0,
          groups: (b as K.OffsetFetch.OffsetFetchRequest).groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode: code })),
        });
    }
  }

  private partitionData(partition: number, errorCode: number, topic: string, records: Buffer | null): K.Fetch.FetchPartitionData {
    const end = BigInt(this.peer.values(topic, partition).length);
    const leader = this.peer.leaderOf(topic, partition);
    return {
      partitionIndex: partition,
      errorCode,
      highWatermark: end,
      lastStableOffset: end,
      logStartOffset: BigInt(this.peer.logStart(topic, partition)),
      abortedTransactions: null,
      preferredReadReplica: -1,
      records,
      // a broker names the current leader with a leader error (KIP-951)
      currentLeader: errorCode === NOT_LEADER ? { leaderId: leader, leaderEpoch: this.peer.leaderEpochOf(topic, partition) } : undefined,
    };
  }

  /** The log's batches from the one holding `from`, while they fit in `maxBytes` (always at least one). */
  batchesFrom(topic: string, partition: number, from: number, maxBytes: number): Buffer {
    const log = this.peer.values(topic, partition);
    const out: Buffer[] = [];
    let size = 0;
    for (let base = from - (from % SCRIPTED_BATCH); base < log.length; base += SCRIPTED_BATCH) {
      const batch = encodeRecordBatch({
        records: log.slice(base, base + SCRIPTED_BATCH).map((r) => ({
          key: r.key === null ? null : Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
          timestamp: 1_700_000_000_000 + base,
        })),
        compression: 'none',
        producerId: -1n,
        producerEpoch: -1,
        baseSequence: -1,
      });
      batch.writeBigInt64BE(BigInt(base), 0);
      if (out.length > 0 && size + batch.length > maxBytes) break;
      out.push(batch);
      size += batch.length;
    }
    return Buffer.concat(out);
  }

  protected onFetch(req: K.Fetch.FetchRequest): K.Fetch.FetchResponse {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          if (!this.peer.hasTopic(t.topic)) return this.partitionData(p.partition, UNKNOWN_TOPIC, t.topic, null);
          if (this.peer.leaderOf(t.topic, p.partition) !== this.peer.nodeId)
            return this.partitionData(p.partition, NOT_LEADER, t.topic, null);
          const at = Number(p.fetchOffset);
          const end = this.peer.values(t.topic, p.partition).length;
          if (at < this.peer.logStart(t.topic, p.partition) || at > end)
            return this.partitionData(p.partition, OFFSET_OUT_OF_RANGE, t.topic, null);
          return this.partitionData(
            p.partition,
            0,
            t.topic,
            at === end ? null : this.batchesFrom(t.topic, p.partition, at, p.partitionMaxBytes),
          );
        }),
      })),
    };
  }

  protected onListOffsets(req: K.ListOffsets.ListOffsetsRequest): K.ListOffsets.ListOffsetsResponse {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const leads = this.peer.leaderOf(t.name, p.partitionIndex) === this.peer.nodeId;
          const offset =
            p.timestamp === -2n ? this.peer.logStart(t.name, p.partitionIndex) : this.peer.values(t.name, p.partitionIndex).length;
          return {
            partitionIndex: p.partitionIndex,
            errorCode: leads ? 0 : NOT_LEADER,
            timestamp: -1n,
            offset: leads ? BigInt(offset) : -1n,
            leaderEpoch: this.peer.leaderEpochOf(t.name, p.partitionIndex),
          };
        }),
      })),
    };
  }

  protected onFindCoordinator(req: K.FindCoordinator.FindCoordinatorRequest): K.FindCoordinator.FindCoordinatorResponse {
    const nodeId = this.peer.coordinator();
    const b = this.peer.broker(nodeId)!;
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId, host: b.host, port: b.port, errorCode: 0, errorMessage: null })),
    };
  }

  private group(id: string): ScriptedGroup {
    let g = this.peer.groups.get(id);
    if (!g) {
      g = { generation: 0, leader: '', members: new Map(), assignments: new Map(), offsets: new Map(), nextMember: 1 };
      this.peer.groups.set(id, g);
    }
    return g;
  }

  // a group request at a node that is not the coordinator, or from a member the group does not know, or of an old generation
  private groupError(groupId: string, memberId: string, generation: number): number {
    if (this.peer.coordinator() !== this.peer.nodeId) return NOT_COORDINATOR;
    const g = this.group(groupId);
    if (!g.members.has(memberId)) return UNKNOWN_MEMBER_ID;
    return generation === g.generation ? 0 : ILLEGAL_GENERATION;
  }

  private joinAnswer(
    errorCode: number,
    generationId: number,
    leader: string,
    memberId: string,
    members: K.JoinGroup.JoinGroupResponseMember[],
  ) {
    return {
      throttleTimeMs: 0,
      errorCode,
      generationId,
      protocolType: 'consumer',
      protocolName: 'range',
      leader,
      skipAssignment: false,
      memberId,
      members,
    };
  }

  protected onJoinGroup(req: K.JoinGroup.JoinGroupRequest): K.JoinGroup.JoinGroupResponse {
    if (this.peer.coordinator() !== this.peer.nodeId) return this.joinAnswer(NOT_COORDINATOR, -1, '', req.memberId, []);
    const g = this.group(req.groupId);
    if (req.memberId === '') return this.joinAnswer(MEMBER_ID_REQUIRED, -1, '', `member-${g.nextMember++}`, []);
    g.members.set(req.memberId, Buffer.from(req.protocols[0]?.metadata ?? []));
    g.generation++;
    g.assignments.clear();
    if (!g.members.has(g.leader)) g.leader = req.memberId;
    const members =
      g.leader === req.memberId ? [...g.members].map(([memberId, metadata]) => ({ memberId, groupInstanceId: null, metadata })) : [];
    return this.joinAnswer(0, g.generation, g.leader, req.memberId, members);
  }

  protected onSyncGroup(req: K.SyncGroup.SyncGroupRequest): K.SyncGroup.SyncGroupResponse {
    const errorCode = this.groupError(req.groupId, req.memberId, req.generationId);
    const g = this.group(req.groupId);
    if (errorCode === 0 && req.memberId === g.leader)
      for (const a of req.assignments) g.assignments.set(a.memberId, Buffer.from(a.assignment));
    return {
      throttleTimeMs: 0,
      errorCode,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: (errorCode === 0 && g.assignments.get(req.memberId)) || Buffer.alloc(0),
    };
  }

  protected onHeartbeat(req: K.Heartbeat.HeartbeatRequest): K.Heartbeat.HeartbeatResponse {
    return { throttleTimeMs: 0, errorCode: this.groupError(req.groupId, req.memberId, req.generationId) };
  }

  protected onLeaveGroup(req: K.LeaveGroup.LeaveGroupRequest): K.LeaveGroup.LeaveGroupResponse {
    const errorCode = this.peer.coordinator() === this.peer.nodeId ? 0 : NOT_COORDINATOR;
    const g = this.group(req.groupId);
    if (errorCode === 0) for (const m of req.members) g.members.delete(m.memberId);
    return {
      throttleTimeMs: 0,
      errorCode,
      members: req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode })),
    };
  }

  protected onOffsetCommit(req: K.OffsetCommit.OffsetCommitRequest): K.OffsetCommit.OffsetCommitResponse {
    const errorCode = this.groupError(req.groupId, req.memberId, req.generationIdOrMemberEpoch);
    const g = this.group(req.groupId);
    if (errorCode === 0)
      for (const t of req.topics) for (const p of t.partitions) g.offsets.set(`${t.name}-${p.partitionIndex}`, Number(p.committedOffset));
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    };
  }

  protected onOffsetFetch(req: K.OffsetFetch.OffsetFetchRequest): K.OffsetFetch.OffsetFetchResponse {
    const errorCode = this.peer.coordinator() === this.peer.nodeId ? 0 : NOT_COORDINATOR;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((rg) => {
        const g = this.group(rg.groupId);
        return {
          groupId: rg.groupId,
          errorCode,
          topics: (rg.topics ?? []).map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((partitionIndex) => ({
              partitionIndex,
              committedOffset: BigInt(g.offsets.get(`${t.name}-${partitionIndex}`) ?? -1),
              committedLeaderEpoch: -1,
              metadata: '',
              errorCode: 0,
            })),
          })),
        };
      }),
    };
  }
}

import { ERROR_CODE } from '../../protocol/kafka';
import { Reader } from '../../protocol/kafka';
import * as ConsumerProtocol from '../../protocol/kafka/consumer-protocol';
import { sleep } from '../core/backoff';
import { CortadoError, InvalidArgumentError } from '../core/errors';
import { KafkaCluster, METADATA } from './cluster';
import type { KafkaConnection } from './connection';
import { kafkaError } from './errors';
import { CONSUMER_GROUP_DESCRIBE, DESCRIBE_GROUPS, FIND_COORDINATOR, LIST_GROUPS, LIST_OFFSETS, OFFSET_FETCH } from './group-apis';
import type { TopicPartition } from './group-coordinator';
import { byTopicPartition } from './sticky-assignor';
import * as FindCoordinator from '../../protocol/kafka/find-coordinator';

const { GROUP_ID_NOT_FOUND } = ERROR_CODE;

// The admin client's consumer group calls: list the groups, describe one (members and their
// assignment), and its committed offsets with each partition's end offset and lag.

/** A group as listGroups tells it. */
export interface KafkaGroupListing {
  groupId: string;
  /** 'consumer' for consumer groups (either protocol), '' for a group that only commits offsets */
  protocolType: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead (classic); Assigning, Reconciling... (KIP-848) */
  state: string;
}

/** One member of a group, with what it subscribed to and what it was assigned. */
export interface KafkaGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** the topics of its subscription (consumer groups) */
  topics: string[];
  /** what it owns now (KIP-848: its current assignment, which may still move toward the broker's target) */
  assignment: TopicPartition[];
  /** KIP-848 only: the member's epoch */
  memberEpoch?: number;
}

export interface KafkaGroupDescription {
  groupId: string;
  /** the rebalance protocol of its members: 'classic' (JoinGroup/SyncGroup) or 'consumer' (KIP-848) */
  groupProtocol: 'classic' | 'consumer';
  state: string;
  protocolType: string;
  /** the chosen assignor (range, cooperative-sticky, ...) of a consumer group; KIP-848: the broker's (uniform, range) */
  protocol: string;
  /** KIP-848 only: the group's epoch, raised by every change of its members or subscriptions */
  groupEpoch?: number;
  members: KafkaGroupMember[];
}

/** A partition's committed offset (-1 for none), its end offset, and the lag between them (null when nothing is committed). */
export interface KafkaGroupOffset extends TopicPartition {
  committed: number;
  end: number;
  lag: number | null;
}

const partitionsOf = (tps: ConsumerProtocol.ConsumerProtocolTopicPartitions[]): TopicPartition[] =>
  tps.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))).sort(byTopicPartition);

/** Retries while the group's coordinator is loading or moving (retriable broker errors), up to `timeoutMs`. */
async function retrying<T>(timeoutMs: number, f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof CortadoError) || !err.canRetry || Date.now() + wait > deadline) throw err;
      await sleep(wait);
    }
  }
}

function checkGroupId(groupId: unknown): string {
  if (typeof groupId !== 'string' || groupId.length === 0)
    throw new InvalidArgumentError(`groupId must be a non-empty string, got ${String(groupId)}`);
  return groupId;
}

async function coordinatorOf(cluster: KafkaCluster, groupId: string): Promise<KafkaConnection> {
  const conn = await cluster.anyConnection();
  const res = await conn.request(FIND_COORDINATOR, { keyType: FindCoordinator.KEY_TYPE_GROUP, coordinatorKeys: [groupId] });
  const c = res.coordinators[0];
  if (!c) throw kafkaError(15, `finding the coordinator of group ${groupId}`);
  if (c.errorCode !== 0) throw kafkaError(c.errorCode, `finding the coordinator of group ${groupId}`, c.errorMessage);
  return cluster.connectionTo({ host: c.host, port: c.port, tls: false });
}

/** Every group of the cluster: each broker lists the groups it coordinates. */
export async function listGroups(cluster: KafkaCluster, timeoutMs: number): Promise<KafkaGroupListing[]> {
  const conn = await cluster.anyConnection();
  const meta = await conn.request(METADATA, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const out = new Map<string, KafkaGroupListing>();
  for (const b of meta.brokers) {
    await retrying(timeoutMs, async () => {
      const res = await (await cluster.connectionTo({ host: b.host, port: b.port, tls: false })).request(LIST_GROUPS, { statesFilter: [] });
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, `listing the groups of broker ${b.nodeId}`);
      for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
    });
  }
  return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}

/**
 * A group's state, assignor and members with their subscriptions and assignments, at its coordinator:
 * ConsumerGroupDescribe for a KIP-848 group, DescribeGroups for a classic one (or none).
 */
export async function describeGroup(cluster: KafkaCluster, groupId: string, timeoutMs: number): Promise<KafkaGroupDescription> {
  checkGroupId(groupId);
  return retrying(timeoutMs, async () => {
    const conn = await coordinatorOf(cluster, groupId);
    // DescribeGroups tells a KIP-848 group as Dead with no members (as it tells a group that is not), so ConsumerGroupDescribe goes first
    const consumerGroup = conn.offers(CONSUMER_GROUP_DESCRIBE) ? await describeConsumerGroup(conn, groupId) : undefined;
    return consumerGroup ?? describeClassicGroup(conn, groupId);
  });
}

/** A KIP-848 group as ConsumerGroupDescribe tells it; undefined when the broker knows no such group of that protocol. */
async function describeConsumerGroup(conn: KafkaConnection, groupId: string): Promise<KafkaGroupDescription | undefined> {
  const res = await conn.request(CONSUMER_GROUP_DESCRIBE, { groupIds: [groupId], includeAuthorizedOperations: false });
  const g = res.groups[0];
  if (!g || g.errorCode === GROUP_ID_NOT_FOUND) return undefined;
  if (g.errorCode !== 0) throw kafkaError(g.errorCode, `describing group ${groupId}`, g.errorMessage);
  return {
    groupId,
    groupProtocol: 'consumer',
    state: g.groupState,
    protocolType: ConsumerProtocol.PROTOCOL_TYPE,
    protocol: g.assignorName,
    groupEpoch: g.groupEpoch,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      topics: m.subscribedTopicNames,
      assignment: m.assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition }))).sort(byTopicPartition),
      memberEpoch: m.memberEpoch,
    })),
  };
}

async function describeClassicGroup(conn: KafkaConnection, groupId: string): Promise<KafkaGroupDescription> {
  const res = await conn.request(DESCRIBE_GROUPS, { groups: [groupId], includeAuthorizedOperations: false });
  const g = res.groups[0];
  if (!g) throw kafkaError(GROUP_ID_NOT_FOUND, `describing group ${groupId}`);
  if (g.errorCode !== 0) throw kafkaError(g.errorCode, `describing group ${groupId}`);
  const consumer = g.protocolType === ConsumerProtocol.PROTOCOL_TYPE;
  return {
    groupId,
    groupProtocol: 'classic',
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      topics:
        consumer && m.memberMetadata.length > 0
          ? ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader(m.memberMetadata)).topics
          : [],
      assignment:
        consumer && m.memberAssignment.length > 0
          ? partitionsOf(ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(m.memberAssignment)).assignedPartitions)
          : [],
    })),
  };
}

/** The group's committed offset of every partition it committed, each partition's end offset, and the lag. */
export async function groupOffsets(cluster: KafkaCluster, groupId: string, timeoutMs: number): Promise<KafkaGroupOffset[]> {
  checkGroupId(groupId);
  const committed = await retrying(timeoutMs, async () => {
    const res = await (
      await coordinatorOf(cluster, groupId)
    ).request(OFFSET_FETCH, {
      groups: [{ groupId, topics: null }],
      requireStable: false,
    });
    const g = res.groups[0];
    if (g && g.errorCode !== 0) throw kafkaError(g.errorCode, `fetching the offsets of group ${groupId}`);
    const out: Array<TopicPartition & { committed: number }> = [];
    for (const t of g?.topics ?? [])
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, `fetching the offset of group ${groupId} on ${t.name}-${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, committed: Number(p.committedOffset) });
      }
    return out;
  });
  // end offsets from each partition's leader
  for (const topic of new Set(committed.map((c) => c.topic))) await cluster.refresh(topic);
  const byLeader = new Map<number, Array<TopicPartition & { committed: number }>>();
  for (const c of committed) {
    const leader = cluster.leaderOf(c.topic, c.partition);
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), c]);
  }
  const ends = new Map<string, number>();
  for (const [leader, parts] of byLeader) {
    const byTopic = new Map<string, number[]>();
    for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const res = await (
      await cluster.connectionToNode(leader)
    ).request(LIST_OFFSETS, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [...byTopic].map(([name, ps]) => ({
        name,
        partitions: ps.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1n })),
      })),
    });
    for (const t of res.topics)
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, `ListOffsets of ${t.name}-${p.partitionIndex}`);
        ends.set(`${t.name}-${p.partitionIndex}`, Number(p.offset));
      }
  }
  return committed
    .map((c) => {
      const end = ends.get(`${c.topic}-${c.partition}`) ?? -1;
      return { ...c, end, lag: c.committed >= 0 && end >= 0 ? Math.max(0, end - c.committed) : null };
    })
    .sort(byTopicPartition);
}

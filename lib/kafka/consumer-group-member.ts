import { ERROR_CODE } from '../../protocol/kafka';
import { randomUUID } from 'crypto';
import * as Heartbeat848 from '../../protocol/kafka/consumer-group-heartbeat';
import { sleep } from '../core/backoff';
import { CortadoError } from '../core/errors';
import type { KafkaConnection } from './connection';
import { METADATA } from './cluster';
import { kafkaError } from './errors';
import { CONSUMER_GROUP_HEARTBEAT, OFFSET_COMMIT } from './group-apis';
import { GroupCoordinator, TopicPartition } from './group-coordinator';

// error codes of ConsumerGroupHeartbeat, by the Java client's names
const {
  COORDINATOR_LOAD_IN_PROGRESS,
  FENCED_INSTANCE_ID,
  COORDINATOR_NOT_AVAILABLE,
  NOT_COORDINATOR,
  UNKNOWN_MEMBER_ID,
  FENCED_MEMBER_EPOCH,
  UNRELEASED_INSTANCE_ID,
} = ERROR_CODE;

const COORDINATOR_GONE = new Set([COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR]);

const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');

/**
 * A member of a KIP-848 consumer group (`groupProtocol: 'consumer'`): the broker assigns; the
 * member heartbeats with its epoch and owned partitions, gives up what the assignment no longer
 * holds (committing first), takes what it adds, and rejoins at epoch 0 when fenced. Commits and
 * committed offsets work as in the classic protocol, with the member epoch as the generation.
 */
export class ConsumerGroupMember extends GroupCoordinator {
  /** topic id (hex) -> name, and name -> id, for the subscribed topics */
  private readonly names = new Map<string, string>();
  private readonly ids = new Map<string, Buffer>();
  private intervalMs = this.settings.heartbeatIntervalMs;

  protected override offsetCommitApi = { ...OFFSET_COMMIT, version: 9 };

  protected override async run(joined: () => void): Promise<void> {
    // KIP-1082: the member id is the client's own, kept for the member's life
    this.memberId ||= randomUUID();
    this.generationId = Heartbeat848.JOIN_EPOCH;
    let backoff = 100;
    let first = true;
    while (!this.closed) {
      try {
        if (this.fencedBy) throw this.fencedBy;
        const res = await this.heartbeat(this.generationId);
        if (this.closed) return;
        if (res.errorCode === FENCED_INSTANCE_ID) throw this.fence('ConsumerGroupHeartbeat');
        if (res.errorCode === FENCED_MEMBER_EPOCH || res.errorCode === UNKNOWN_MEMBER_ID) {
          // the membership is lost: the partitions go without a commit, and the member joins again at epoch 0
          this.settings.log.info(`consumer group ${this.settings.groupId}: error ${res.errorCode}; rejoining at epoch 0`);
          this.generationId = -1;
          await this.giveUp();
          this.generationId = Heartbeat848.JOIN_EPOCH;
          continue;
        }
        if (COORDINATOR_GONE.has(res.errorCode) || res.errorCode === UNRELEASED_INSTANCE_ID) {
          if (COORDINATOR_GONE.has(res.errorCode)) this.coordinator = undefined;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 2000);
          continue;
        }
        if (res.errorCode !== 0)
          throw kafkaError(res.errorCode, `ConsumerGroupHeartbeat of group ${this.settings.groupId}`, res.errorMessage);
        backoff = 100;
        this.generationId = res.memberEpoch;
        if (res.heartbeatIntervalMs > 0) this.intervalMs = Math.min(res.heartbeatIntervalMs, this.settings.heartbeatIntervalMs);
        const changed = res.assignment ? await this.reconcile(res.assignment) : false;
        if (first && res.assignment) {
          first = false;
          joined();
        }
        // a changed ownership is told at once, so the broker can move on (acknowledging a revocation)
        if (!changed) await this.pause(this.intervalMs);
      } catch (err) {
        if (this.closed) return;
        if (err instanceof CortadoError && !err.canRetry) throw err;
        this.settings.log.warn(`consumer group ${this.settings.groupId}: ${(err as Error).message}; retrying`);
        this.coordinator = undefined;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private async heartbeat(epoch: number): Promise<Heartbeat848.ConsumerGroupHeartbeatResponse> {
    const s = this.settings;
    await this.learnTopicIds([]);
    const byTopic = new Map<string, number[]>();
    for (const p of this.owned) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const conn = await this.connection();
    // every field in full each time: the broker takes an unchanged value as no change
    return conn.request(CONSUMER_GROUP_HEARTBEAT, {
      groupId: s.groupId,
      memberId: this.memberId,
      memberEpoch: epoch,
      instanceId: s.groupInstanceId,
      rackId: null,
      rebalanceTimeoutMs: s.rebalanceTimeoutMs,
      subscribedTopicNames: s.topics,
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: [...byTopic].map(([topic, partitions]) => ({ topicId: this.ids.get(topic)!, partitions })),
    });
  }

  // Topic ids of the subscribed topics (and of any id an assignment names that is not known yet).
  private async learnTopicIds(unknown: string[]): Promise<void> {
    if (this.ids.size === this.settings.topics.length && unknown.length === 0) return;
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(METADATA, {
      topics: this.settings.topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const t of res.topics) {
      if (t.name === null || t.errorCode !== 0) continue;
      this.ids.set(t.name, t.topicId);
      this.names.set(hex(t.topicId), t.name);
    }
  }

  // Gives up what the assignment dropped and takes what it added; true when the ownership changed.
  private async reconcile(assignment: Heartbeat848.ConsumerGroupTopicPartitions[]): Promise<boolean> {
    const unknown = assignment.map((a) => hex(a.topicId)).filter((id) => !this.names.has(id));
    if (unknown.length > 0) await this.learnTopicIds(unknown);
    const target: TopicPartition[] = [];
    for (const a of assignment) {
      const topic = this.names.get(hex(a.topicId));
      if (topic) for (const partition of a.partitions) target.push({ topic, partition });
    }
    const key = (p: TopicPartition) => `${p.topic}-${p.partition}`;
    const now = new Set(target.map(key));
    const had = new Set(this.owned.map(key));
    const revoked = this.owned.filter((p) => !now.has(key(p)));
    const added = target.filter((p) => !had.has(key(p)));
    this.settings.log.info(
      `consumer group ${this.settings.groupId} epoch ${this.generationId}: member ${this.memberId} has ${target.map(key).join(', ') || 'nothing'}`,
    );
    if (revoked.length > 0) await this.giveUp(revoked);
    if (added.length > 0) {
      this.owned.push(...added);
      await this.member.assigned(added);
    }
    return revoked.length > 0 || added.length > 0;
  }

  /** Commits are not answered by a rejoin here: the next heartbeat carries what the broker wants. */
  override requestRejoin(): void {}

  // Leaving is a heartbeat at epoch -1 (a static member: -2, so it may come back to its partitions).
  protected override async leave(conn: KafkaConnection): Promise<void> {
    await conn.request(
      CONSUMER_GROUP_HEARTBEAT,
      Heartbeat848.leaveRequest(this.settings.groupId, this.memberId, this.settings.groupInstanceId),
    );
  }
}

import { ERROR_CODE } from '../../protocol/kafka';
import * as CreatePartitions from '../../protocol/kafka/create-partitions';
import * as CreateTopics from '../../protocol/kafka/create-topics';
import * as DeleteTopics from '../../protocol/kafka/delete-topics';
import {
  ApiKey,
  CreatePartitionsResponse,
  CreateTopicsResponse,
  decodeCreatePartitionsResponse,
  decodeCreateTopicsResponse,
  decodeDeleteTopicsResponse,
  DeleteTopicsResponse,
  encodeCreatePartitionsRequest,
  encodeCreateTopicsRequest,
  encodeDeleteTopicsRequest,
} from '../../protocol/kafka';
import { sleep } from '../core/backoff';
import { InvalidArgumentError, TimeoutError, TopicError } from '../core/errors';
import type { KafkaCluster, PartitionInfo } from './cluster';
import { METADATA } from './cluster';
import type { KafkaApi } from './connection';
import { kafkaError } from './errors';
import { describeGroup, groupOffsets, KafkaGroupDescription, KafkaGroupListing, KafkaGroupOffset, listGroups } from './group-admin';

const UNKNOWN_TOPIC = ERROR_CODE.UNKNOWN_TOPIC_OR_PARTITION;

// declared beside the class, so the public types (which reach this file) see it
declare module '../core/backend' {
  interface AdminTypes {
    kafka: KafkaAdmin;
  }
}

const CREATE_TOPICS: KafkaApi<Parameters<typeof encodeCreateTopicsRequest>[1], CreateTopicsResponse> = {
  apiKey: ApiKey.CreateTopics,
  version: CreateTopics.VERSION,
  flexible: CreateTopics.FLEXIBLE,
  encode: encodeCreateTopicsRequest,
  decode: decodeCreateTopicsResponse,
};
const CREATE_PARTITIONS: KafkaApi<Parameters<typeof encodeCreatePartitionsRequest>[1], CreatePartitionsResponse> = {
  apiKey: ApiKey.CreatePartitions,
  version: CreatePartitions.VERSION,
  flexible: CreatePartitions.FLEXIBLE,
  encode: encodeCreatePartitionsRequest,
  decode: decodeCreatePartitionsResponse,
};
const DELETE_TOPICS: KafkaApi<Parameters<typeof encodeDeleteTopicsRequest>[1], DeleteTopicsResponse> = {
  apiKey: ApiKey.DeleteTopics,
  version: DeleteTopics.VERSION,
  flexible: DeleteTopics.FLEXIBLE,
  encode: encodeDeleteTopicsRequest,
  decode: decodeDeleteTopicsResponse,
};

/** A topic as describeTopic tells it: each partition with its leader, replicas and in-sync replicas. */
export interface KafkaTopicDescription {
  topic: string;
  partitions: PartitionInfo[];
}

function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new InvalidArgumentError(`${what} must be an integer from 1 to 100000, got ${String(n)}`);
  }
  return n;
}

/**
 * Kafka's admin calls under the Pulsar Admin's names where they mean the same
 * (createPartitionedTopic, updatePartitions, partitionCount, listTopics, deleteTopic), plus describeTopic.
 * Requests go to the cluster's controller-facing broker (any broker forwards them in KRaft).
 */
export class KafkaAdmin {
  constructor(
    private readonly cluster: KafkaCluster,
    private readonly timeoutMs: number,
    private readonly ownsCluster: boolean,
    private readonly replicationFactor = -1,
  ) {}

  /** Creates a topic with `partitions` partitions (the broker's default replication factor unless set). */
  async createPartitionedTopic(topic: string, partitions: number): Promise<void> {
    checkCount(partitions, 'partitions');
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(CREATE_TOPICS, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: this.replicationFactor, assignments: [], configs: [] }],
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    });
    const t = res.topics[0];
    if (t && t.errorCode !== 0) throw kafkaError(t.errorCode, `creating ${topic}`, t.errorMessage);
    await this.cluster.partitionCount(topic);
  }

  /** Grows a topic to `partitions` partitions (Kafka cannot shrink one). */
  async updatePartitions(topic: string, partitions: number): Promise<void> {
    checkCount(partitions, 'partitions');
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(CREATE_PARTITIONS, {
      topics: [{ name: topic, count: partitions, assignments: null }],
      timeoutMs: this.timeoutMs,
      validateOnly: false,
    });
    const r = res.results[0];
    if (r && r.errorCode !== 0) throw kafkaError(r.errorCode, `growing ${topic} to ${partitions} partitions`, r.errorMessage);
    await this.untilPartitions(topic, partitions);
    await this.cluster.refresh(topic);
  }

  // the controller answers before the brokers' metadata shows the new partitions: wait for them, as Pulsar's admin call does
  private async untilPartitions(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while ((await this.describeTopic(topic)).partitions.length < partitions) {
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          `${topic} did not show ${partitions} partitions in the metadata within ${this.timeoutMs} ms (operationTimeoutMs)`,
        );
      }
      await sleep(50);
    }
  }

  async partitionCount(topic: string): Promise<number> {
    return (await this.describeTopic(topic)).partitions.length;
  }

  async describeTopic(topic: string): Promise<KafkaTopicDescription> {
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(METADATA, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = res.topics.find((x) => x.name === topic);
    // a topic that is not there is final for an admin call (a producer would wait for it to appear)
    if (!t || t.errorCode === UNKNOWN_TOPIC)
      throw new TopicError(`describing ${topic}: UNKNOWN_TOPIC_OR_PARTITION`, 'UNKNOWN_TOPIC_OR_PARTITION');
    if (t.errorCode !== 0) throw kafkaError(t.errorCode, `describing ${topic}`);
    const partitions = t.partitions
      .map((p) => ({
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
      }))
      .sort((a, b) => a.partition - b.partition);
    return { topic, partitions };
  }

  /** Every topic but Kafka's internal ones. */
  async listTopics(): Promise<string[]> {
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(METADATA, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return res.topics
      .filter((t) => !t.isInternal && t.name !== null)
      .map((t) => t.name as string)
      .sort();
  }

  async deleteTopic(topic: string): Promise<void> {
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(DELETE_TOPICS, { topics: [{ name: topic }], timeoutMs: this.timeoutMs });
    const r = res.responses[0];
    if (r && r.errorCode !== 0) throw kafkaError(r.errorCode, `deleting ${topic}`, r.errorMessage);
  }

  /** Every group of the cluster, with its protocol type and state. */
  listGroups(): Promise<KafkaGroupListing[]> {
    return listGroups(this.cluster, this.timeoutMs);
  }

  /** A group's state, assignor and members, each with its subscribed topics and assigned partitions. */
  describeGroup(groupId: string): Promise<KafkaGroupDescription> {
    return describeGroup(this.cluster, groupId, this.timeoutMs);
  }

  /** The group's committed offset, the end offset and the lag of every partition it committed. */
  groupOffsets(groupId: string): Promise<KafkaGroupOffset[]> {
    return groupOffsets(this.cluster, groupId, this.timeoutMs);
  }

  close(): void {
    if (this.ownsCluster) void this.cluster.close();
  }
}

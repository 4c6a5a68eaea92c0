import type { Reader } from './reader';
import type { Writer } from './writer';

// CreateTopics (key 19) v7: the newest; its answer gives each new topic's id and, from v5, its settled
// partition count, replication factor and configs.

export const VERSION = 7;
export const FLEXIBLE = true;

export interface CreatableReplicaAssignment {
  partitionIndex: number;
  brokerIds: number[];
}

export interface CreatableTopicConfig {
  name: string;
  value: string | null;
}

export interface CreatableTopic {
  name: string;
  /** -1 for the broker's default (then assignments must be empty). */
  numPartitions: number;
  /** -1 for the broker's default. */
  replicationFactor: number;
  assignments: CreatableReplicaAssignment[];
  configs: CreatableTopicConfig[];
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatableTopicConfigs {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

export interface CreatableTopicResult {
  name: string;
  topicId: Buffer;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
  configs: CreatableTopicConfigs[] | null;
}

export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

// CreateTopicsRequest v7 => Topics:compact[Name:compact_string NumPartitions:int32 ReplicationFactor:int16
//     Assignments:compact[PartitionIndex:int32 BrokerIds:compact[int32] TaggedFields]
//     Configs:compact[Name:compact_string Value:compact_nullable_string TaggedFields] TaggedFields]
//   TimeoutMs:int32 ValidateOnly:bool TaggedFields
export function encodeCreateTopicsRequest(w: Writer, req: CreateTopicsRequest): void {
  w.compactArray(req.topics, (w, t) =>
    w
      .compactString(t.name)
      .int32(t.numPartitions)
      .int16(t.replicationFactor)
      .compactArray(t.assignments, (w, a) =>
        w
          .int32(a.partitionIndex)
          .compactArray(a.brokerIds, (w, id) => w.int32(id))
          .emptyTaggedFields(),
      )
      .compactArray(t.configs, (w, c) => w.compactString(c.name).compactString(c.value).emptyTaggedFields())
      .emptyTaggedFields(),
  )
    .int32(req.timeoutMs)
    .bool(req.validateOnly)
    .emptyTaggedFields();
}

// CreateTopicsResponse v7 => ThrottleTimeMs:int32
//   Topics:compact[Name:compact_string TopicId:uuid ErrorCode:int16 ErrorMessage:compact_nullable_string
//     NumPartitions:int32 ReplicationFactor:int16
//     Configs:compact_nullable[Name:compact_string Value:compact_nullable_string ReadOnly:bool ConfigSource:int8
//       IsSensitive:bool TaggedFields]
//     TaggedFields (tag 0: TopicConfigErrorCode, skipped)]
//   TaggedFields
export function decodeCreateTopicsResponse(r: Reader): CreateTopicsResponse {
  const throttleTimeMs = r.int32();
  const topics =
    r.compactArray((r): CreatableTopicResult => {
      const name = r.compactString() ?? '';
      const topicId = r.uuid();
      const errorCode = r.int16();
      const errorMessage = r.compactString();
      const numPartitions = r.int32();
      const replicationFactor = r.int16();
      const configs = r.compactArray((r): CreatableTopicConfigs => {
        const c = {
          name: r.compactString() ?? '',
          value: r.compactString(),
          readOnly: r.bool(),
          configSource: r.int8(),
          isSensitive: r.bool(),
        };
        r.skipTaggedFields();
        return c;
      });
      r.skipTaggedFields();
      return { name, topicId, errorCode, errorMessage, numPartitions, replicationFactor, configs };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, topics };
}

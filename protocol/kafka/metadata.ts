import type { Reader } from './reader';
import type { Writer } from './writer';

// Metadata (key 3) v12: brokers, and each topic's partitions with their leaders. v12 is the newest in Kafka
// 3.x and 4.0 alike; topic names became nullable (lookup by id) in v12.

export const VERSION = 12;
export const FLEXIBLE = true;

const ZERO_UUID = new Uint8Array(16);

export interface MetadataRequestTopic {
  name: string | null;
  /** Zero (the default) to look the topic up by name. */
  topicId?: Uint8Array;
}

export interface MetadataRequest {
  /** null for every topic; [] for none (brokers only). */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string | null;
  topicId: Buffer;
  isInternal: boolean;
  partitions: MetadataPartition[];
  topicAuthorizedOperations: number;
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

// MetadataRequest v12 => Topics:compact_nullable[TopicId:uuid Name:compact_nullable_string TaggedFields]
//                        AllowAutoTopicCreation:bool IncludeTopicAuthorizedOperations:bool TaggedFields
export function encodeMetadataRequest(w: Writer, req: MetadataRequest): void {
  w.compactArray(req.topics, (w, t) =>
    w
      .uuid(t.topicId ?? ZERO_UUID)
      .compactString(t.name)
      .emptyTaggedFields(),
  )
    .bool(req.allowAutoTopicCreation)
    .bool(req.includeTopicAuthorizedOperations ?? false)
    .emptyTaggedFields();
}

const int32s = (r: Reader): number[] => r.compactArray((r) => r.int32()) ?? [];

// MetadataResponse v12 => ThrottleTimeMs:int32
//   Brokers:compact[NodeId:int32 Host:compact_string Port:int32 Rack:compact_nullable_string TaggedFields]
//   ClusterId:compact_nullable_string ControllerId:int32
//   Topics:compact[ErrorCode:int16 Name:compact_nullable_string TopicId:uuid IsInternal:bool
//     Partitions:compact[ErrorCode:int16 PartitionIndex:int32 LeaderId:int32 LeaderEpoch:int32
//       ReplicaNodes:compact[int32] IsrNodes:compact[int32] OfflineReplicas:compact[int32] TaggedFields]
//     TopicAuthorizedOperations:int32 TaggedFields]
//   TaggedFields
export function decodeMetadataResponse(r: Reader): MetadataResponse {
  const throttleTimeMs = r.int32();
  const brokers =
    r.compactArray((r): MetadataBroker => {
      const b = { nodeId: r.int32(), host: r.compactString() ?? '', port: r.int32(), rack: r.compactString() };
      r.skipTaggedFields();
      return b;
    }) ?? [];
  const clusterId = r.compactString();
  const controllerId = r.int32();
  const topics =
    r.compactArray((r): MetadataTopic => {
      const errorCode = r.int16();
      const name = r.compactString();
      const topicId = r.uuid();
      const isInternal = r.bool();
      const partitions =
        r.compactArray((r): MetadataPartition => {
          const p = {
            errorCode: r.int16(),
            partitionIndex: r.int32(),
            leaderId: r.int32(),
            leaderEpoch: r.int32(),
            replicaNodes: int32s(r),
            isrNodes: int32s(r),
            offlineReplicas: int32s(r),
          };
          r.skipTaggedFields();
          return p;
        }) ?? [];
      const topicAuthorizedOperations = r.int32();
      r.skipTaggedFields();
      return { errorCode, name, topicId, isInternal, partitions, topicAuthorizedOperations };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, brokers, clusterId, controllerId, topics };
}

import type { Reader } from './reader';
import type { Writer } from './writer';

// ListOffsets (key 2) v7: the offset for a timestamp, or the earliest (-2) / latest (-1) offset. v6+ is
// flexible; v7 adds the max-timestamp query (-3).

export const VERSION = 7;
export const FLEXIBLE = true;

export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;

export interface ListOffsetsPartition {
  partitionIndex: number;
  /** -1 (the default) skips leader-epoch fencing. */
  currentLeaderEpoch?: number;
  /** A time in ms, or -2n earliest, -1n latest. */
  timestamp: bigint;
}

export interface ListOffsetsTopic {
  name: string;
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsRequest {
  /** -1 (the default) for a consumer. */
  replicaId?: number;
  /** READ_UNCOMMITTED 0 (latest is the high watermark), READ_COMMITTED 1 (the last stable offset). */
  isolationLevel: number;
  topics: ListOffsetsTopic[];
}

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

export interface ListOffsetsTopicResponse {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}

export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: ListOffsetsTopicResponse[];
}

// ListOffsetsRequest v7 => ReplicaId:int32 IsolationLevel:int8
//   Topics:compact[Name:compact_string Partitions:compact[PartitionIndex:int32 CurrentLeaderEpoch:int32 Timestamp:int64
//     TaggedFields] TaggedFields] TaggedFields
export function encodeListOffsetsRequest(w: Writer, req: ListOffsetsRequest): void {
  w.int32(req.replicaId ?? -1)
    .int8(req.isolationLevel)
    .compactArray(req.topics, (w, t) =>
      w
        .compactString(t.name)
        .compactArray(t.partitions, (w, p) =>
          w
            .int32(p.partitionIndex)
            .int32(p.currentLeaderEpoch ?? -1)
            .int64(p.timestamp)
            .emptyTaggedFields(),
        )
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

// ListOffsetsResponse v7 => ThrottleTimeMs:int32
//   Topics:compact[Name:compact_string Partitions:compact[PartitionIndex:int32 ErrorCode:int16 Timestamp:int64
//     Offset:int64 LeaderEpoch:int32 TaggedFields] TaggedFields] TaggedFields
export function decodeListOffsetsResponse(r: Reader): ListOffsetsResponse {
  const throttleTimeMs = r.int32();
  const topics =
    r.compactArray((r): ListOffsetsTopicResponse => {
      const name = r.compactString() ?? '';
      const partitions =
        r.compactArray((r): ListOffsetsPartitionResponse => {
          const p = { partitionIndex: r.int32(), errorCode: r.int16(), timestamp: r.int64(), offset: r.int64(), leaderEpoch: r.int32() };
          r.skipTaggedFields();
          return p;
        }) ?? [];
      r.skipTaggedFields();
      return { name, partitions };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, topics };
}

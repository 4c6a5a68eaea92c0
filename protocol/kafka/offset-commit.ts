import type { Reader } from './reader';
import type { Writer } from './writer';

// OffsetCommit (key 8) v8: commits a group's offsets. v8 is the first flexible version; v9 is for the new
// (KIP-848) consumer group protocol only.

export const VERSION = 8;
export const FLEXIBLE = true;

export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: bigint;
  /** -1 (the default) when unknown. */
  committedLeaderEpoch?: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequestTopic {
  name: string;
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitRequest {
  groupId: string;
  /** The classic group's generation; -1 (with memberId '') commits for a group with no members (simple consumer). */
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface OffsetCommitResponseTopic {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: OffsetCommitResponseTopic[];
}

// OffsetCommitRequest v8 => GroupId:compact_string GenerationIdOrMemberEpoch:int32 MemberId:compact_string
//   GroupInstanceId:compact_nullable_string
//   Topics:compact[Name:compact_string Partitions:compact[PartitionIndex:int32 CommittedOffset:int64
//     CommittedLeaderEpoch:int32 CommittedMetadata:compact_nullable_string TaggedFields] TaggedFields] TaggedFields
export function encodeOffsetCommitRequest(w: Writer, req: OffsetCommitRequest): void {
  w.compactString(req.groupId)
    .int32(req.generationIdOrMemberEpoch)
    .compactString(req.memberId)
    .compactString(req.groupInstanceId)
    .compactArray(req.topics, (w, t) =>
      w
        .compactString(t.name)
        .compactArray(t.partitions, (w, p) =>
          w
            .int32(p.partitionIndex)
            .int64(p.committedOffset)
            .int32(p.committedLeaderEpoch ?? -1)
            .compactString(p.committedMetadata)
            .emptyTaggedFields(),
        )
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

// OffsetCommitResponse v8 => ThrottleTimeMs:int32
//   Topics:compact[Name:compact_string Partitions:compact[PartitionIndex:int32 ErrorCode:int16 TaggedFields] TaggedFields]
//   TaggedFields
export function decodeOffsetCommitResponse(r: Reader): OffsetCommitResponse {
  const throttleTimeMs = r.int32();
  const topics =
    r.compactArray((r): OffsetCommitResponseTopic => {
      const name = r.compactString() ?? '';
      const partitions =
        r.compactArray((r): OffsetCommitResponsePartition => {
          const p = { partitionIndex: r.int32(), errorCode: r.int16() };
          r.skipTaggedFields();
          return p;
        }) ?? [];
      r.skipTaggedFields();
      return { name, partitions };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, topics };
}

import type { Reader } from './reader';
import type { Writer } from './writer';

// OffsetFetch (key 9) v8: committed offsets for one or more groups (v8 is the first to batch groups; v9 adds
// the KIP-848 member id and epoch).

export const VERSION = 8;
export const FLEXIBLE = true;

export interface OffsetFetchRequestTopics {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequestGroup {
  groupId: string;
  /** null for every partition the group has committed. */
  topics: OffsetFetchRequestTopics[] | null;
}

export interface OffsetFetchRequest {
  groups: OffsetFetchRequestGroup[];
  /** true to get UNSTABLE_OFFSET_COMMIT while a transaction's offsets are pending. */
  requireStable: boolean;
}

export interface OffsetFetchResponsePartitions {
  partitionIndex: number;
  /** -1n when the group has committed none. */
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponseTopics {
  name: string;
  partitions: OffsetFetchResponsePartitions[];
}

export interface OffsetFetchResponseGroup {
  groupId: string;
  topics: OffsetFetchResponseTopics[];
  errorCode: number;
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  groups: OffsetFetchResponseGroup[];
}

// OffsetFetchRequest v8 => Groups:compact[GroupId:compact_string
//   Topics:compact_nullable[Name:compact_string PartitionIndexes:compact[int32] TaggedFields] TaggedFields]
//   RequireStable:bool TaggedFields
export function encodeOffsetFetchRequest(w: Writer, req: OffsetFetchRequest): void {
  w.compactArray(req.groups, (w, g) =>
    w
      .compactString(g.groupId)
      .compactArray(g.topics, (w, t) =>
        w
          .compactString(t.name)
          .compactArray(t.partitionIndexes, (w, p) => w.int32(p))
          .emptyTaggedFields(),
      )
      .emptyTaggedFields(),
  )
    .bool(req.requireStable)
    .emptyTaggedFields();
}

// OffsetFetchResponse v8 => ThrottleTimeMs:int32
//   Groups:compact[GroupId:compact_string
//     Topics:compact[Name:compact_string Partitions:compact[PartitionIndex:int32 CommittedOffset:int64
//       CommittedLeaderEpoch:int32 Metadata:compact_nullable_string ErrorCode:int16 TaggedFields] TaggedFields]
//     ErrorCode:int16 TaggedFields]
//   TaggedFields
export function decodeOffsetFetchResponse(r: Reader): OffsetFetchResponse {
  const throttleTimeMs = r.int32();
  const groups =
    r.compactArray((r): OffsetFetchResponseGroup => {
      const groupId = r.compactString() ?? '';
      const topics =
        r.compactArray((r): OffsetFetchResponseTopics => {
          const name = r.compactString() ?? '';
          const partitions =
            r.compactArray((r): OffsetFetchResponsePartitions => {
              const p = {
                partitionIndex: r.int32(),
                committedOffset: r.int64(),
                committedLeaderEpoch: r.int32(),
                metadata: r.compactString(),
                errorCode: r.int16(),
              };
              r.skipTaggedFields();
              return p;
            }) ?? [];
          r.skipTaggedFields();
          return { name, partitions };
        }) ?? [];
      const errorCode = r.int16();
      r.skipTaggedFields();
      return { groupId, topics, errorCode };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, groups };
}

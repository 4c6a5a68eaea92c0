import { Reader } from './reader';
import type { Writer } from './writer';

// Fetch (key 1) v12: the first flexible version, and the last to name topics (v13+ uses topic ids). Consumers
// send replicaId -1; the records come back as raw bytes for decodeRecordBatches.

export const VERSION = 12;
export const FLEXIBLE = true;

/** READ_UNCOMMITTED 0, READ_COMMITTED 1. */
export type IsolationLevel = 0 | 1;

export interface FetchPartition {
  partition: number;
  /** -1 (the default) skips the broker's leader-epoch fencing. */
  currentLeaderEpoch?: number;
  fetchOffset: bigint;
  /** -1 (the default) when no record was fetched yet. */
  lastFetchedEpoch?: number;
  /** Followers only: -1n (the default) for a consumer. */
  logStartOffset?: bigint;
  partitionMaxBytes: number;
}

export interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}

export interface ForgottenTopic {
  topic: string;
  partitions: number[];
}

export interface FetchRequest {
  /** Tag 0, sent only when set. */
  clusterId?: string | null;
  /** -1 (the default) for a consumer. */
  replicaId?: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: IsolationLevel;
  /** 0 and epoch -1 (the defaults): no fetch session. */
  sessionId?: number;
  sessionEpoch?: number;
  topics: FetchTopic[];
  forgottenTopicsData?: ForgottenTopic[];
  rackId?: string;
}

export interface FetchAbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchLeaderIdAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

export interface FetchPartitionData {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: FetchAbortedTransaction[] | null;
  /** -1 unless the broker wants the consumer to fetch from a follower. */
  preferredReadReplica: number;
  /** Record batches, possibly ending in a partial one; null or empty when there are none. */
  records: Buffer | null;
  /** Tag 1, present when the broker sent it (with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH). */
  currentLeader?: FetchLeaderIdAndEpoch;
}

export interface FetchableTopicResponse {
  topic: string;
  partitions: FetchPartitionData[];
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: FetchableTopicResponse[];
}

// FetchRequest v12 => ReplicaId:int32 MaxWaitMs:int32 MinBytes:int32 MaxBytes:int32 IsolationLevel:int8
//   SessionId:int32 SessionEpoch:int32
//   Topics:compact[Topic:compact_string Partitions:compact[Partition:int32 CurrentLeaderEpoch:int32 FetchOffset:int64
//     LastFetchedEpoch:int32 LogStartOffset:int64 PartitionMaxBytes:int32 TaggedFields] TaggedFields]
//   ForgottenTopicsData:compact[Topic:compact_string Partitions:compact[int32] TaggedFields]
//   RackId:compact_string TaggedFields(0: ClusterId:compact_nullable_string)
export function encodeFetchRequest(w: Writer, req: FetchRequest): void {
  w.int32(req.replicaId ?? -1)
    .int32(req.maxWaitMs)
    .int32(req.minBytes)
    .int32(req.maxBytes)
    .int8(req.isolationLevel)
    .int32(req.sessionId ?? 0)
    .int32(req.sessionEpoch ?? -1)
    .compactArray(req.topics, (w, t) =>
      w
        .compactString(t.topic)
        .compactArray(t.partitions, (w, p) =>
          w
            .int32(p.partition)
            .int32(p.currentLeaderEpoch ?? -1)
            .int64(p.fetchOffset)
            .int32(p.lastFetchedEpoch ?? -1)
            .int64(p.logStartOffset ?? -1n)
            .int32(p.partitionMaxBytes)
            .emptyTaggedFields(),
        )
        .emptyTaggedFields(),
    )
    .compactArray(req.forgottenTopicsData ?? [], (w, t) =>
      w
        .compactString(t.topic)
        .compactArray(t.partitions, (w, p) => w.int32(p))
        .emptyTaggedFields(),
    )
    .compactString(req.rackId ?? '');
  if (req.clusterId === undefined) {
    w.emptyTaggedFields();
  } else {
    const id = req.clusterId === null ? 0 : Buffer.byteLength(req.clusterId, 'utf8');
    // one tag: 0, its size (the compact string's length prefix plus its bytes), then the string
    w.uvarint(1)
      .uvarint(0)
      .uvarint(sizeOfUvarint(req.clusterId === null ? 0 : id + 1) + id)
      .compactString(req.clusterId);
  }
}

function sizeOfUvarint(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 128)) size++;
  return size;
}

// the partition's tagged fields: keeps tag 1 (CurrentLeader), skips the rest (DivergingEpoch, SnapshotId)
function readPartitionTags(r: Reader, p: FetchPartitionData): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const data = r.raw(r.uvarint());
    if (tag === 1) {
      const t = new Reader(data);
      p.currentLeader = { leaderId: t.int32(), leaderEpoch: t.int32() };
    }
  }
}

// FetchResponse v12 => ThrottleTimeMs:int32 ErrorCode:int16 SessionId:int32
//   Responses:compact[Topic:compact_string Partitions:compact[PartitionIndex:int32 ErrorCode:int16 HighWatermark:int64
//     LastStableOffset:int64 LogStartOffset:int64
//     AbortedTransactions:compact_nullable[ProducerId:int64 FirstOffset:int64 TaggedFields]
//     PreferredReadReplica:int32 Records:compact_nullable_bytes
//     TaggedFields(0: DivergingEpoch, 1: CurrentLeader[LeaderId:int32 LeaderEpoch:int32], 2: SnapshotId)] TaggedFields]
//   TaggedFields
export function decodeFetchResponse(r: Reader): FetchResponse {
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const sessionId = r.int32();
  const responses =
    r.compactArray((r): FetchableTopicResponse => {
      const topic = r.compactString() ?? '';
      const partitions =
        r.compactArray((r): FetchPartitionData => {
          const p: FetchPartitionData = {
            partitionIndex: r.int32(),
            errorCode: r.int16(),
            highWatermark: r.int64(),
            lastStableOffset: r.int64(),
            logStartOffset: r.int64(),
            abortedTransactions: r.compactArray((r): FetchAbortedTransaction => {
              const a = { producerId: r.int64(), firstOffset: r.int64() };
              r.skipTaggedFields();
              return a;
            }),
            preferredReadReplica: r.int32(),
            records: r.compactBytes(),
          };
          readPartitionTags(r, p);
          return p;
        }) ?? [];
      r.skipTaggedFields();
      return { topic, partitions };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, errorCode, sessionId, responses };
}

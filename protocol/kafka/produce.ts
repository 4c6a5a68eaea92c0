import type { Reader } from './reader';
import type { Writer } from './writer';

// Produce (key 0) v9: the first flexible version; its answer carries per-record errors (v8+). Past the
// versions 3.x deprecates (0-6), so a 4.x broker still takes it.

export const VERSION = 9;
export const FLEXIBLE = true;

export interface ProducePartitionData {
  index: number;
  /** One or more encoded record batches (encodeRecordBatch). */
  records: Buffer | null;
}

export interface ProduceTopicData {
  name: string;
  partitionData: ProducePartitionData[];
}

export interface ProduceRequest {
  transactionalId: string | null;
  /** 0 none (the broker sends no response), 1 leader, -1 all in-sync replicas. */
  acks: number;
  timeoutMs: number;
  topicData: ProduceTopicData[];
}

export interface ProduceRecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  /** -1 unless the topic uses log-append time. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: ProduceRecordError[];
  errorMessage: string | null;
}

export interface ProduceTopicResponse {
  name: string;
  partitionResponses: ProducePartitionResponse[];
}

export interface ProduceResponse {
  responses: ProduceTopicResponse[];
  throttleTimeMs: number;
}

// ProduceRequest v9 => TransactionalId:compact_nullable_string Acks:int16 TimeoutMs:int32
//   TopicData:compact[Name:compact_string PartitionData:compact[Index:int32 Records:compact_nullable_bytes TaggedFields]
//   TaggedFields] TaggedFields
// the record batches go by reference: the request frame does not copy them
export function encodeProduceRequest(w: Writer, req: ProduceRequest): void {
  w.compactString(req.transactionalId)
    .int16(req.acks)
    .int32(req.timeoutMs)
    .compactArray(req.topicData, (w, t) =>
      w
        .compactString(t.name)
        .compactArray(t.partitionData, (w, p) => w.int32(p.index).compactBytesRef(p.records).emptyTaggedFields())
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

// ProduceResponse v9 => Responses:compact[Name:compact_string
//   PartitionResponses:compact[Index:int32 ErrorCode:int16 BaseOffset:int64 LogAppendTimeMs:int64 LogStartOffset:int64
//     RecordErrors:compact[BatchIndex:int32 BatchIndexErrorMessage:compact_nullable_string TaggedFields]
//     ErrorMessage:compact_nullable_string TaggedFields] TaggedFields]
//   ThrottleTimeMs:int32 TaggedFields
export function decodeProduceResponse(r: Reader): ProduceResponse {
  const responses =
    r.compactArray((r): ProduceTopicResponse => {
      const name = r.compactString() ?? '';
      const partitionResponses =
        r.compactArray((r): ProducePartitionResponse => {
          const index = r.int32();
          const errorCode = r.int16();
          const baseOffset = r.int64();
          const logAppendTimeMs = r.int64();
          const logStartOffset = r.int64();
          const recordErrors =
            r.compactArray((r): ProduceRecordError => {
              const e = { batchIndex: r.int32(), batchIndexErrorMessage: r.compactString() };
              r.skipTaggedFields();
              return e;
            }) ?? [];
          const errorMessage = r.compactString();
          r.skipTaggedFields();
          return { index, errorCode, baseOffset, logAppendTimeMs, logStartOffset, recordErrors, errorMessage };
        }) ?? [];
      r.skipTaggedFields();
      return { name, partitionResponses };
    }) ?? [];
  const throttleTimeMs = r.int32();
  r.skipTaggedFields();
  return { responses, throttleTimeMs };
}

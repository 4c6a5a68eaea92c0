import type { Reader } from './reader';
import type { Writer } from './writer';

// CreatePartitions (key 37) v3: raises a topic's partition count (it never shrinks). v2+ is flexible.

export const VERSION = 3;
export const FLEXIBLE = true;

export interface CreatePartitionsAssignment {
  brokerIds: number[];
}

export interface CreatePartitionsTopic {
  name: string;
  /** The new total number of partitions. */
  count: number;
  /** null to let the broker place the new partitions. */
  assignments: CreatePartitionsAssignment[] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: CreatePartitionsTopicResult[];
}

// CreatePartitionsRequest v3 => Topics:compact[Name:compact_string Count:int32
//     Assignments:compact_nullable[BrokerIds:compact[int32] TaggedFields] TaggedFields]
//   TimeoutMs:int32 ValidateOnly:bool TaggedFields
export function encodeCreatePartitionsRequest(w: Writer, req: CreatePartitionsRequest): void {
  w.compactArray(req.topics, (w, t) =>
    w
      .compactString(t.name)
      .int32(t.count)
      .compactArray(t.assignments, (w, a) => w.compactArray(a.brokerIds, (w, id) => w.int32(id)).emptyTaggedFields())
      .emptyTaggedFields(),
  )
    .int32(req.timeoutMs)
    .bool(req.validateOnly)
    .emptyTaggedFields();
}

// CreatePartitionsResponse v3 => ThrottleTimeMs:int32
//   Results:compact[Name:compact_string ErrorCode:int16 ErrorMessage:compact_nullable_string TaggedFields] TaggedFields
export function decodeCreatePartitionsResponse(r: Reader): CreatePartitionsResponse {
  const throttleTimeMs = r.int32();
  const results =
    r.compactArray((r): CreatePartitionsTopicResult => {
      const t = { name: r.compactString() ?? '', errorCode: r.int16(), errorMessage: r.compactString() };
      r.skipTaggedFields();
      return t;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, results };
}

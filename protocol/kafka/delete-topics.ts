import type { Reader } from './reader';
import type { Writer } from './writer';

// DeleteTopics (key 20) v6: topics by name or id; v6 replaced the v0-5 TopicNames list with Topics.

export const VERSION = 6;
export const FLEXIBLE = true;

const ZERO_UUID = new Uint8Array(16);

export interface DeleteTopicState {
  /** null when deleting by id. */
  name: string | null;
  /** Zero (the default) when deleting by name. */
  topicId?: Uint8Array;
}

export interface DeleteTopicsRequest {
  topics: DeleteTopicState[];
  timeoutMs: number;
}

export interface DeletableTopicResult {
  name: string | null;
  topicId: Buffer;
  errorCode: number;
  errorMessage: string | null;
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

// DeleteTopicsRequest v6 => Topics:compact[Name:compact_nullable_string TopicId:uuid TaggedFields] TimeoutMs:int32 TaggedFields
export function encodeDeleteTopicsRequest(w: Writer, req: DeleteTopicsRequest): void {
  w.compactArray(req.topics, (w, t) =>
    w
      .compactString(t.name)
      .uuid(t.topicId ?? ZERO_UUID)
      .emptyTaggedFields(),
  )
    .int32(req.timeoutMs)
    .emptyTaggedFields();
}

// DeleteTopicsResponse v6 => ThrottleTimeMs:int32
//   Responses:compact[Name:compact_nullable_string TopicId:uuid ErrorCode:int16 ErrorMessage:compact_nullable_string
//     TaggedFields] TaggedFields
export function decodeDeleteTopicsResponse(r: Reader): DeleteTopicsResponse {
  const throttleTimeMs = r.int32();
  const responses =
    r.compactArray((r): DeletableTopicResult => {
      const t = { name: r.compactString(), topicId: r.uuid(), errorCode: r.int16(), errorMessage: r.compactString() };
      r.skipTaggedFields();
      return t;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, responses };
}

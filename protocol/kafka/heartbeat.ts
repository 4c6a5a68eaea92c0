import type { Reader } from './reader';
import type { Writer } from './writer';

// Heartbeat (key 12) v4: keeps a classic group member alive; REBALANCE_IN_PROGRESS tells it to rejoin. v4 is
// the first flexible version.

export const VERSION = 4;
export const FLEXIBLE = true;

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

// HeartbeatRequest v4 => GroupId:compact_string GenerationId:int32 MemberId:compact_string
//   GroupInstanceId:compact_nullable_string TaggedFields
export function encodeHeartbeatRequest(w: Writer, req: HeartbeatRequest): void {
  w.compactString(req.groupId).int32(req.generationId).compactString(req.memberId).compactString(req.groupInstanceId).emptyTaggedFields();
}

// HeartbeatResponse v4 => ThrottleTimeMs:int32 ErrorCode:int16 TaggedFields
export function decodeHeartbeatResponse(r: Reader): HeartbeatResponse {
  const res = { throttleTimeMs: r.int32(), errorCode: r.int16() };
  r.skipTaggedFields();
  return res;
}

import type { Reader } from './reader';
import type { Writer } from './writer';

// SyncGroup (key 14) v5: the leader hands in every member's assignment, and each member gets its own back.
// v5 adds the protocol type and name, which the coordinator checks against the group's.

export const VERSION = 5;
export const FLEXIBLE = true;

export interface SyncGroupRequestAssignment {
  memberId: string;
  /** For protocolType 'consumer', an encoded ConsumerProtocolAssignment. */
  assignment: Uint8Array;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignments; [] from the other members. */
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

// SyncGroupRequest v5 => GroupId:compact_string GenerationId:int32 MemberId:compact_string
//   GroupInstanceId:compact_nullable_string ProtocolType:compact_nullable_string ProtocolName:compact_nullable_string
//   Assignments:compact[MemberId:compact_string Assignment:compact_bytes TaggedFields] TaggedFields
export function encodeSyncGroupRequest(w: Writer, req: SyncGroupRequest): void {
  w.compactString(req.groupId)
    .int32(req.generationId)
    .compactString(req.memberId)
    .compactString(req.groupInstanceId)
    .compactString(req.protocolType)
    .compactString(req.protocolName)
    .compactArray(req.assignments, (w, a) => w.compactString(a.memberId).compactBytes(a.assignment).emptyTaggedFields())
    .emptyTaggedFields();
}

// SyncGroupResponse v5 => ThrottleTimeMs:int32 ErrorCode:int16 ProtocolType:compact_nullable_string
//   ProtocolName:compact_nullable_string Assignment:compact_bytes TaggedFields
export function decodeSyncGroupResponse(r: Reader): SyncGroupResponse {
  const res = {
    throttleTimeMs: r.int32(),
    errorCode: r.int16(),
    protocolType: r.compactString(),
    protocolName: r.compactString(),
    assignment: r.compactBytes() ?? Buffer.alloc(0),
  };
  r.skipTaggedFields();
  return res;
}

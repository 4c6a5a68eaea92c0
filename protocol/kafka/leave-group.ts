import type { Reader } from './reader';
import type { Writer } from './writer';

// LeaveGroup (key 13) v5: one or more members leave a classic group (v3+ batches members; v5 adds a reason).

export const VERSION = 5;
export const FLEXIBLE = true;

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  members: MemberIdentity[];
}

export interface LeaveGroupMemberResponse {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: LeaveGroupMemberResponse[];
}

// LeaveGroupRequest v5 => GroupId:compact_string
//   Members:compact[MemberId:compact_string GroupInstanceId:compact_nullable_string Reason:compact_nullable_string
//     TaggedFields] TaggedFields
export function encodeLeaveGroupRequest(w: Writer, req: LeaveGroupRequest): void {
  w.compactString(req.groupId)
    .compactArray(req.members, (w, m) =>
      w.compactString(m.memberId).compactString(m.groupInstanceId).compactString(m.reason).emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

// LeaveGroupResponse v5 => ThrottleTimeMs:int32 ErrorCode:int16
//   Members:compact[MemberId:compact_string GroupInstanceId:compact_nullable_string ErrorCode:int16 TaggedFields]
//   TaggedFields
export function decodeLeaveGroupResponse(r: Reader): LeaveGroupResponse {
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const members =
    r.compactArray((r): LeaveGroupMemberResponse => {
      const m = { memberId: r.compactString() ?? '', groupInstanceId: r.compactString(), errorCode: r.int16() };
      r.skipTaggedFields();
      return m;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, errorCode, members };
}

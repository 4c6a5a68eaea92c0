import type { Reader } from './reader';
import type { Writer } from './writer';

// JoinGroup (key 11) v9: joins (or rejoins) a classic group. v4+ answers a first join without a member id
// with MEMBER_ID_REQUIRED and the id to rejoin with; v9 adds skipAssignment (leader under a server assignor).

export const VERSION = 9;
export const FLEXIBLE = true;

export interface JoinGroupRequestProtocol {
  name: string;
  /** For protocolType 'consumer', an encoded ConsumerProtocolSubscription. */
  metadata: Uint8Array;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** '' on the first join. */
  memberId: string;
  /** Static membership's id, or null. */
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupRequestProtocol[];
  reason: string | null;
}

export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  /** Every member's metadata for the leader; empty for the others. */
  members: JoinGroupResponseMember[];
}

// JoinGroupRequest v9 => GroupId:compact_string SessionTimeoutMs:int32 RebalanceTimeoutMs:int32 MemberId:compact_string
//   GroupInstanceId:compact_nullable_string ProtocolType:compact_string
//   Protocols:compact[Name:compact_string Metadata:compact_bytes TaggedFields]
//   Reason:compact_nullable_string TaggedFields
export function encodeJoinGroupRequest(w: Writer, req: JoinGroupRequest): void {
  w.compactString(req.groupId)
    .int32(req.sessionTimeoutMs)
    .int32(req.rebalanceTimeoutMs)
    .compactString(req.memberId)
    .compactString(req.groupInstanceId)
    .compactString(req.protocolType)
    .compactArray(req.protocols, (w, p) => w.compactString(p.name).compactBytes(p.metadata).emptyTaggedFields())
    .compactString(req.reason)
    .emptyTaggedFields();
}

// JoinGroupResponse v9 => ThrottleTimeMs:int32 ErrorCode:int16 GenerationId:int32
//   ProtocolType:compact_nullable_string ProtocolName:compact_nullable_string Leader:compact_string
//   SkipAssignment:bool MemberId:compact_string
//   Members:compact[MemberId:compact_string GroupInstanceId:compact_nullable_string Metadata:compact_bytes TaggedFields]
//   TaggedFields
export function decodeJoinGroupResponse(r: Reader): JoinGroupResponse {
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocolType = r.compactString();
  const protocolName = r.compactString();
  const leader = r.compactString() ?? '';
  const skipAssignment = r.bool();
  const memberId = r.compactString() ?? '';
  const members =
    r.compactArray((r): JoinGroupResponseMember => {
      const m = { memberId: r.compactString() ?? '', groupInstanceId: r.compactString(), metadata: r.compactBytes() ?? Buffer.alloc(0) };
      r.skipTaggedFields();
      return m;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, errorCode, generationId, protocolType, protocolName, leader, skipAssignment, memberId, members };
}

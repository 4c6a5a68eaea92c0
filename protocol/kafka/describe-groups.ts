import type { Reader } from './reader';
import type { Writer } from './writer';

// DescribeGroups (key 15) v5: a classic group's state, protocol and members. v5 is the first flexible version.

export const VERSION = 5;
export const FLEXIBLE = true;

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** For protocolType 'consumer', an encoded ConsumerProtocolSubscription. */
  memberMetadata: Buffer;
  /** For protocolType 'consumer', an encoded ConsumerProtocolAssignment. */
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  /** The chosen protocol's name (the assignor, for consumers). */
  protocolData: string;
  members: DescribedGroupMember[];
  /** -2147483648 unless asked for. */
  authorizedOperations: number;
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

// DescribeGroupsRequest v5 => Groups:compact[compact_string] IncludeAuthorizedOperations:bool TaggedFields
export function encodeDescribeGroupsRequest(w: Writer, req: DescribeGroupsRequest): void {
  w.compactArray(req.groups, (w, g) => w.compactString(g))
    .bool(req.includeAuthorizedOperations)
    .emptyTaggedFields();
}

// DescribeGroupsResponse v5 => ThrottleTimeMs:int32
//   Groups:compact[ErrorCode:int16 GroupId:compact_string GroupState:compact_string ProtocolType:compact_string
//     ProtocolData:compact_string
//     Members:compact[MemberId:compact_string GroupInstanceId:compact_nullable_string ClientId:compact_string
//       ClientHost:compact_string MemberMetadata:compact_bytes MemberAssignment:compact_bytes TaggedFields]
//     AuthorizedOperations:int32 TaggedFields]
//   TaggedFields
export function decodeDescribeGroupsResponse(r: Reader): DescribeGroupsResponse {
  const throttleTimeMs = r.int32();
  const groups =
    r.compactArray((r): DescribedGroup => {
      const errorCode = r.int16();
      const groupId = r.compactString() ?? '';
      const groupState = r.compactString() ?? '';
      const protocolType = r.compactString() ?? '';
      const protocolData = r.compactString() ?? '';
      const members =
        r.compactArray((r): DescribedGroupMember => {
          const m = {
            memberId: r.compactString() ?? '',
            groupInstanceId: r.compactString(),
            clientId: r.compactString() ?? '',
            clientHost: r.compactString() ?? '',
            memberMetadata: r.compactBytes() ?? Buffer.alloc(0),
            memberAssignment: r.compactBytes() ?? Buffer.alloc(0),
          };
          r.skipTaggedFields();
          return m;
        }) ?? [];
      const authorizedOperations = r.int32();
      r.skipTaggedFields();
      return { errorCode, groupId, groupState, protocolType, protocolData, members, authorizedOperations };
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, groups };
}

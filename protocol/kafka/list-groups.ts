import type { Reader } from './reader';
import type { Writer } from './writer';

// ListGroups (key 16) v4: the groups a broker coordinates, with their state (v4 adds the states filter).

export const VERSION = 4;
export const FLEXIBLE = true;

export interface ListGroupsRequest {
  /** [] for every state. */
  statesFilter: string[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

// ListGroupsRequest v4 => StatesFilter:compact[compact_string] TaggedFields
export function encodeListGroupsRequest(w: Writer, req: ListGroupsRequest): void {
  w.compactArray(req.statesFilter, (w, s) => w.compactString(s)).emptyTaggedFields();
}

// ListGroupsResponse v4 => ThrottleTimeMs:int32 ErrorCode:int16
//   Groups:compact[GroupId:compact_string ProtocolType:compact_string GroupState:compact_string TaggedFields] TaggedFields
export function decodeListGroupsResponse(r: Reader): ListGroupsResponse {
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const groups =
    r.compactArray((r): ListedGroup => {
      const g = { groupId: r.compactString() ?? '', protocolType: r.compactString() ?? '', groupState: r.compactString() ?? '' };
      r.skipTaggedFields();
      return g;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, errorCode, groups };
}

import type { Reader } from './reader';
import type { Writer } from './writer';

// FindCoordinator (key 10) v4: the broker coordinating each of several groups (or transactional ids). v4 is
// the first to batch keys.

export const VERSION = 4;
export const FLEXIBLE = true;

export const KEY_TYPE_GROUP = 0;
export const KEY_TYPE_TRANSACTION = 1;

export interface FindCoordinatorRequest {
  /** 0 group, 1 transaction. */
  keyType: number;
  coordinatorKeys: string[];
}

export interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  coordinators: Coordinator[];
}

// FindCoordinatorRequest v4 => KeyType:int8 CoordinatorKeys:compact[compact_string] TaggedFields
export function encodeFindCoordinatorRequest(w: Writer, req: FindCoordinatorRequest): void {
  w.int8(req.keyType)
    .compactArray(req.coordinatorKeys, (w, k) => w.compactString(k))
    .emptyTaggedFields();
}

// FindCoordinatorResponse v4 => ThrottleTimeMs:int32
//   Coordinators:compact[Key:compact_string NodeId:int32 Host:compact_string Port:int32 ErrorCode:int16
//     ErrorMessage:compact_nullable_string TaggedFields] TaggedFields
export function decodeFindCoordinatorResponse(r: Reader): FindCoordinatorResponse {
  const throttleTimeMs = r.int32();
  const coordinators =
    r.compactArray((r): Coordinator => {
      const c = {
        key: r.compactString() ?? '',
        nodeId: r.int32(),
        host: r.compactString() ?? '',
        port: r.int32(),
        errorCode: r.int16(),
        errorMessage: r.compactString(),
      };
      r.skipTaggedFields();
      return c;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, coordinators };
}

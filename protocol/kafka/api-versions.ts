import type { Reader } from './reader';
import type { Writer } from './writer';

// ApiVersions (key 18): which versions of each api the broker speaks. v3 is the first flexible version and is
// what clients try first; a broker that does not know it answers in v0 with UNSUPPORTED_VERSION and its
// own list, so v0 is kept for that retry. The response header is v0 in every version.

export const VERSION = 3;
export const FLEXIBLE = true;
export const V0_VERSION = 0;

export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersion {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersion[];
  /** Absent in v0. */
  throttleTimeMs: number;
}

// ApiVersionsRequest v3 => ClientSoftwareName:compact_string ClientSoftwareVersion:compact_string TaggedFields
export function encodeApiVersionsRequest(w: Writer, req: ApiVersionsRequest): void {
  w.compactString(req.clientSoftwareName).compactString(req.clientSoftwareVersion).emptyTaggedFields();
}

// ApiVersionsResponse v3 => ErrorCode:int16 ApiKeys:compact[ApiKey:int16 MinVersion:int16 MaxVersion:int16 TaggedFields]
//                           ThrottleTimeMs:int32 TaggedFields (supported/finalized features, skipped)
export function decodeApiVersionsResponse(r: Reader): ApiVersionsResponse {
  const errorCode = r.int16();
  const apiKeys =
    r.compactArray((r) => {
      const v = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
      r.skipTaggedFields();
      return v;
    }) ?? [];
  const throttleTimeMs = r.int32();
  r.skipTaggedFields();
  return { errorCode, apiKeys, throttleTimeMs };
}

// ApiVersionsRequest v0 => (empty)
export function encodeApiVersionsRequestV0(_w: Writer): void {}

// ApiVersionsResponse v0 => ErrorCode:int16 ApiKeys:[ApiKey:int16 MinVersion:int16 MaxVersion:int16]
export function decodeApiVersionsResponseV0(r: Reader): ApiVersionsResponse {
  const errorCode = r.int16();
  const apiKeys = r.array((r) => ({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() })) ?? [];
  return { errorCode, apiKeys, throttleTimeMs: 0 };
}

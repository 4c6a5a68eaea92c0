import type { Reader } from './reader';
import type { Writer } from './writer';

// SaslAuthenticate (key 36) v2: one SASL token each way; v1+ tells how long the session may live before
// the client must re-authenticate (KIP-368).

export const VERSION = 2;
export const FLEXIBLE = true;

export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  /** 0 when the broker sets no limit. */
  sessionLifetimeMs: bigint;
}

// SaslAuthenticateRequest v2 => AuthBytes:compact_bytes TaggedFields
export function encodeSaslAuthenticateRequest(w: Writer, req: SaslAuthenticateRequest): void {
  w.compactBytes(req.authBytes).emptyTaggedFields();
}

// SaslAuthenticateResponse v2 => ErrorCode:int16 ErrorMessage:compact_nullable_string AuthBytes:compact_bytes
//                                SessionLifetimeMs:int64 TaggedFields
export function decodeSaslAuthenticateResponse(r: Reader): SaslAuthenticateResponse {
  const errorCode = r.int16();
  const errorMessage = r.compactString();
  const authBytes = r.compactBytes() ?? Buffer.alloc(0);
  const sessionLifetimeMs = r.int64();
  r.skipTaggedFields();
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
}

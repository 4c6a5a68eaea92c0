import type { Reader } from './reader';
import type { Writer } from './writer';

// SaslHandshake (key 17) v1: picks the mechanism; v1 means the SASL tokens that follow travel in
// SaslAuthenticate requests rather than as bare frames (v0). Never flexible.

export const VERSION = 1;
export const FLEXIBLE = false;

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  /** The mechanisms the broker enables (listed whatever the error). */
  mechanisms: string[];
}

// SaslHandshakeRequest v1 => Mechanism:string
export function encodeSaslHandshakeRequest(w: Writer, req: SaslHandshakeRequest): void {
  w.string(req.mechanism);
}

// SaslHandshakeResponse v1 => ErrorCode:int16 Mechanisms:[string]
export function decodeSaslHandshakeResponse(r: Reader): SaslHandshakeResponse {
  const errorCode = r.int16();
  const mechanisms = (r.array((r) => r.string()) ?? []).map((m) => m ?? '');
  return { errorCode, mechanisms };
}

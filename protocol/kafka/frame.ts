import { ApiKey } from './api-keys';
import { KafkaProtocolError } from './errors';
import type { Reader } from './reader';
import { Writer } from './writer';

// Every Kafka message on a socket is an int32 size, then that many bytes: a header and a body.

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Whether this api version is flexible (its schema's "flexibleVersions"): picks request header v2 over v1. */
  flexible: boolean;
}

/** The largest response the framer accepts unless told otherwise. */
export const DEFAULT_MAX_RESPONSE_SIZE = 100 * 1024 * 1024;

// Request => Size:int32 ApiKey:int16 ApiVersion:int16 CorrelationId:int32 ClientId:nullable string(int16 length)
//            [TaggedFields when flexible (header v2)] Body
/** A whole request frame, size prefix included. ClientId keeps its int16 length even in header v2. */
export function encodeRequest(header: RequestHeader, body: (w: Writer) => void): Buffer {
  return requestWriter(header, body).finish();
}

/** encodeRequest as pieces to write in order: buffers the body appended by reference (a Produce's batches) are not copied. */
export function encodeRequestParts(header: RequestHeader, body: (w: Writer) => void): Buffer[] {
  return requestWriter(header, body).finishParts();
}

function requestWriter(header: RequestHeader, body: (w: Writer) => void): Writer {
  const w = new Writer();
  const size = w.reserveInt32();
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).string(header.clientId);
  if (header.flexible) w.emptyTaggedFields();
  body(w);
  w.patchInt32(size, w.length - 4);
  return w;
}

/**
 * Whether the response to a request uses response header v1 (with tagged fields). ApiVersions answers always
 * use header v0, even to a flexible request: a client that does not yet know the broker's versions must be
 * able to read the answer (KIP-511).
 */
export function responseHeaderFlexible(apiKey: number, requestFlexible: boolean): boolean {
  return requestFlexible && apiKey !== ApiKey.ApiVersions;
}

// ResponseHeader => CorrelationId:int32 [TaggedFields when header v1]
/**
 * Reads the response header and returns its correlation id. Pass `flexible` = false for ApiVersions whatever
 * its version (see responseHeaderFlexible).
 */
export function readResponseHeader(r: Reader, flexible: boolean): number {
  const correlationId = r.int32();
  if (flexible) r.skipTaggedFields();
  return correlationId;
}

/**
 * Cuts a socket's byte stream into response payloads (header and body, without the size). A response that
 * lies within one chunk is returned as a view of that chunk, not a copy.
 */
export class ResponseFramer {
  // the first bytes of a size prefix split across chunks (fewer than four)
  private head: Buffer[] = [];
  private headLength = 0;
  // a response whose size is known: allocated whole, and each chunk copied in as it arrives, so chunks are not held
  private frame?: Buffer;
  private filled = 0;

  constructor(readonly maxSize = DEFAULT_MAX_RESPONSE_SIZE) {}

  /** Bytes held for a response not yet complete. */
  get buffered(): number {
    return this.frame ? this.filled : this.headLength;
  }

  /** Takes the next chunk and returns every response it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let rest = chunk;
    if (this.headLength > 0) {
      const need = 4 - this.headLength;
      if (rest.length < need) {
        this.head.push(rest);
        this.headLength += rest.length;
        return out;
      }
      this.start(Buffer.concat([...this.head, rest.subarray(0, need)], 4));
      this.head = [];
      this.headLength = 0;
      rest = rest.subarray(need);
    }
    if (this.frame) {
      const take = Math.min(this.frame.length - this.filled, rest.length);
      rest.copy(this.frame, this.filled, 0, take);
      this.filled += take;
      if (this.filled < this.frame.length) return out;
      out.push(this.frame.subarray(4));
      this.frame = undefined;
      this.filled = 0;
      rest = rest.subarray(take);
    }
    let at = 0;
    while (rest.length - at >= 4) {
      const end = at + 4 + this.sizeOf(rest.readInt32BE(at));
      if (end > rest.length) break;
      out.push(rest.subarray(at + 4, end));
      at = end;
    }
    if (at < rest.length) {
      const left = rest.subarray(at);
      if (left.length < 4) {
        this.head = [left];
        this.headLength = left.length;
      } else {
        this.start(left.subarray(0, 4));
        left.copy(this.frame!, 4, 4);
        this.filled = left.length;
      }
    }
    return out;
  }

  // a response's size prefix has arrived: its buffer, prefix included
  private start(prefix: Buffer): void {
    this.frame = Buffer.allocUnsafe(this.sizeOf(prefix.readInt32BE(0)) + 4);
    prefix.copy(this.frame, 0, 0, 4);
    this.filled = 4;
  }

  private sizeOf(size: number): number {
    if (size < 0 || size > this.maxSize) {
      throw new KafkaProtocolError(`response size ${size} is outside 0..${this.maxSize}`);
    }
    return size;
  }
}

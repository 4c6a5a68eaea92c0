import type { Reader } from './reader';
import type { Writer } from './writer';

// InitProducerId (key 22) v4: a producer id and epoch for idempotent (or transactional) produce. v3+ lets a
// producer pass its current id and epoch to bump the epoch instead of getting a new id.

export const VERSION = 4;
export const FLEXIBLE = true;

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** -1n (with epoch -1) for a new id. */
  producerId: bigint;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

// InitProducerIdRequest v4 => TransactionalId:compact_nullable_string TransactionTimeoutMs:int32
//                             ProducerId:int64 ProducerEpoch:int16 TaggedFields
export function encodeInitProducerIdRequest(w: Writer, req: InitProducerIdRequest): void {
  w.compactString(req.transactionalId).int32(req.transactionTimeoutMs).int64(req.producerId).int16(req.producerEpoch).emptyTaggedFields();
}

// InitProducerIdResponse v4 => ThrottleTimeMs:int32 ErrorCode:int16 ProducerId:int64 ProducerEpoch:int16 TaggedFields
export function decodeInitProducerIdResponse(r: Reader): InitProducerIdResponse {
  const res = { throttleTimeMs: r.int32(), errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
  r.skipTaggedFields();
  return res;
}

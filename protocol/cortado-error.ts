// The base of every error cortado raises, in protocol/ so the byte layer's errors share it (lib re-exports it).

/** Stable error codes: match on `code`, not on messages. */
export type ErrorCode =
  | 'CONFIG'
  | 'INVALID_ARGUMENT'
  | 'PARTITION_STRATEGY'
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'BROKER'
  | 'MESSAGE_TOO_LARGE'
  | 'PRODUCER_FENCED'
  | 'CONSUMER_FENCED'
  | 'PRODUCER_BUSY'
  | 'TOPIC'
  | 'SCHEMA'
  | 'CLOSED'
  | 'PROTOCOL'
  | 'HANDLER'
  | 'QUEUE_FULL'
  | 'AUTHENTICATION'
  | 'AUTHORIZATION'
  | 'TLS'
  | 'CHECKSUM'
  | 'COMPRESSION';

/** Every error cortado raises; `canRetry` says whether the same call may succeed later. */
export class CortadoError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly canRetry = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

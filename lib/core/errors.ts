import { CortadoError } from '../../protocol/cortado-error';

export { CortadoError };
import type { ErrorCode } from '../../protocol/cortado-error';

export type { ErrorCode };

/** A configuration value is missing or not allowed; names the option, env variable and allowed values. */
export class ConfigError extends CortadoError {
  constructor(
    message: string,
    readonly option: string,
    readonly envVar: string,
    readonly value: unknown,
  ) {
    super(message, 'CONFIG');
  }
}

/** A call's arguments are not of an accepted form. */
export class InvalidArgumentError extends CortadoError {
  constructor(message: string) {
    super(message, 'INVALID_ARGUMENT');
  }
}

/** A partition strategy threw or returned something other than an integer in [0, partitions). */
export class PartitionStrategyError extends CortadoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PARTITION_STRATEGY', false, options);
  }
}

export class ConnectionError extends CortadoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'CONNECTION', true, options);
  }
}

export class TimeoutError extends CortadoError {
  constructor(message: string) {
    super(message, 'TIMEOUT', true);
  }
}

/** The broker answered with a ServerError; `serverError` is its protocol name. */
export class BrokerError extends CortadoError {
  constructor(
    message: string,
    readonly serverError: string,
    canRetry = false,
  ) {
    super(message, 'BROKER', canRetry);
  }
}

export class TopicError extends BrokerError {
  constructor(message: string, serverError: string) {
    super(message, serverError);
    (this as { code: ErrorCode }).code = 'TOPIC';
  }
}

export class MessageTooLargeError extends CortadoError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `message of ${size} bytes exceeds the limit of ${limit} bytes (the broker's max_message_size); enable chunking or send smaller messages`,
      'MESSAGE_TOO_LARGE',
    );
  }
}

/** An exclusive producer took the topic over; this producer will send no more. */
export class ProducerFencedError extends CortadoError {
  constructor(message: string) {
    super(message, 'PRODUCER_FENCED');
  }
}

/** Another consumer joined the group with this one's static identity (`instanceId`) and took its place; this consumer consumes no more. */
export class ConsumerFencedError extends CortadoError {
  constructor(
    message: string,
    readonly instanceId: string,
  ) {
    super(message, 'CONSUMER_FENCED');
  }
}

/** Another producer holds exclusive access to the topic. */
export class ProducerBusyError extends CortadoError {
  constructor(message: string) {
    super(message, 'PRODUCER_BUSY');
  }
}

export class SchemaError extends CortadoError {
  constructor(message: string) {
    super(message, 'SCHEMA');
  }
}

export class ClosedError extends CortadoError {
  constructor(message: string) {
    super(message, 'CLOSED');
  }
}

/** The peer sent bytes that break the protocol (bad frame, bad checksum, undecodable payload). */
export class ProtocolError extends CortadoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PROTOCOL', false, options);
  }
}

/** More messages wait for receipts on one partition than maxPendingMessages allows; retry later. */
export class QueueFullError extends CortadoError {
  constructor(message: string) {
    super(message, 'QUEUE_FULL', true);
  }
}

/** A message handler did not finish within handlerTimeoutMs; its messages were negatively acknowledged. */
export class HandlerTimeoutError extends CortadoError {
  constructor(readonly timeoutMs: number) {
    super(
      `handler did not finish within ${timeoutMs} ms; its messages are redelivered (raise handlerTimeoutMs, or watch the handler's AbortSignal)`,
      'HANDLER',
      true,
    );
  }
}

/** The broker (or the token issuer) refused the client's credentials: wrong, expired or missing. */
export class AuthenticationError extends CortadoError {
  constructor(message: string, canRetry = false, options?: { cause?: unknown }) {
    super(message, 'AUTHENTICATION', canRetry, options);
  }
}

/** The client's role is known but lacks permission for the topic or namespace. */
export class AuthorizationError extends CortadoError {
  constructor(message: string) {
    super(message, 'AUTHORIZATION');
  }
}

/** The TLS setup cannot be kept: e.g. a lookup over TLS named no TLS URL; cortado never downgrades. */
export class TlsError extends CortadoError {
  constructor(message: string) {
    super(message, 'TLS');
  }
}

/** The broker saw a bad checksum and the bytes kept for this send no longer match it: the app changed the Buffer after produce(). */
export class ChecksumError extends CortadoError {
  constructor(message: string) {
    super(message, 'CHECKSUM');
  }
}

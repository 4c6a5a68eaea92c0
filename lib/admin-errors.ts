import { BrokerError, CortadoError, TopicError, type ErrorCode } from './errors';

// Codes beyond lib/errors.ts's ErrorCode until that union lists them.
type AuthCode = 'AUTHENTICATION' | 'AUTHORIZATION';

function withCode<E extends CortadoError>(e: E, code: AuthCode): E {
  (e as { code: ErrorCode | AuthCode }).code = code;
  return e;
}

/** The broker did not accept the credentials (HTTP 401, or a refused token on connect). */
export class AuthenticationError extends CortadoError {
  constructor(message: string) {
    super(message, 'CONFIG');
    withCode(this, 'AUTHENTICATION');
  }
}

/** The credentials are valid but lack the permission for this operation (HTTP 403). */
export class AuthorizationError extends CortadoError {
  constructor(message: string) {
    super(message, 'CONFIG');
    withCode(this, 'AUTHORIZATION');
  }
}

/** An admin REST call the broker answered with an error status; `status` is the HTTP status, `reason` the broker's text. */
export class AdminError extends BrokerError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    // 5xx (and 429) may pass once the broker recovers
    super(message, `HTTP ${status}`, status >= 500 || status === 429);
  }
}

/** The topic or namespace does not exist (404), or a topic to create already does (409). */
export class AdminTopicError extends TopicError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message, `HTTP ${status}`);
  }
}

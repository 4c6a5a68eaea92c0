import { BrokerError, TopicError } from '../core/errors';

// Admin answers 401/403 with the same errors the binary protocol gives.
export { AuthenticationError, AuthorizationError } from '../core/errors';

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

import { ServerError, ServerErrorNames } from '../../protocol/pulsar/proto';
import {
  AuthenticationError,
  AuthorizationError,
  BrokerError,
  CortadoError,
  ProducerBusyError,
  ProducerFencedError,
  SchemaError,
  TopicError,
} from '../core/errors';

const RETRIABLE = new Set<number>([
  ServerError.ServiceNotReady,
  ServerError.TooManyRequests,
  ServerError.MetadataError,
  ServerError.PersistenceError,
]);

/** Turns a broker's ServerError code and message into the matching typed error. */
export function errorFromServer(code: number, message: string, context: string): CortadoError {
  const name = ServerErrorNames[code] ?? `ServerError(${code})`;
  const text = `${context}: broker answered ${name}: ${message}`;
  switch (code) {
    case ServerError.ProducerFenced:
      return new ProducerFencedError(text);
    case ServerError.ProducerBusy:
      return new ProducerBusyError(text);
    case ServerError.AuthenticationError:
      return new AuthenticationError(text);
    case ServerError.AuthorizationError:
      return new AuthorizationError(text);
    case ServerError.IncompatibleSchema:
      return new SchemaError(text);
    case ServerError.InvalidTopicName:
    case ServerError.TopicNotFound:
    case ServerError.TopicTerminatedError:
    case ServerError.NotAllowedError:
      return new TopicError(text, name);
    default:
      return new BrokerError(text, name, RETRIABLE.has(code));
  }
}

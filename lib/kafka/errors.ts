import { ApiKey, kafkaErrorOf } from '../../protocol/kafka';
import { AuthenticationError, AuthorizationError, BrokerError, CortadoError, TopicError } from '../core/errors';

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));

/** The broker lacks an API version this client pins: it is older than Kafka 2.1 (or trimmed). */
export class KafkaVersionError extends CortadoError {
  constructor(
    readonly broker: string,
    readonly missing: Array<[apiKey: number, wanted: number, offered: [number, number] | undefined]>,
  ) {
    super(
      `kafka://${broker} does not offer ${missing
        .map(([k, v, r]) => `${API_NAMES.get(k) ?? `api ${k}`} v${v} (it offers ${r ? `v${r[0]}..v${r[1]}` : 'none'})`)
        .join(', ')}; cortado needs Kafka 2.1 or newer`,
      'PROTOCOL',
    );
  }
}

const AUTHORIZATION = new Set([29, 30, 31, 53]);
const TOPIC = new Set([3, 17, 36, 37]);

/** The typed error for a Kafka error code: retriable ones can be retried, the rest are final. */
export function kafkaError(code: number, context: string, message?: string | null): CortadoError {
  const e = kafkaErrorOf(code);
  const text = `${context}: ${e.name}${message ? ` (${message})` : ''}`;
  if (AUTHORIZATION.has(code)) return new AuthorizationError(text);
  if (code === 58) return new AuthenticationError(text);
  if (TOPIC.has(code) && !e.retriable) return new TopicError(text, e.name);
  return new BrokerError(text, e.name, e.retriable);
}

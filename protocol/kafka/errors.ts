import { CortadoError } from '../cortado-error';

/** Bytes that break the Kafka wire grammar: a read past the end, a bad size, a checksum mismatch. */
export class KafkaProtocolError extends CortadoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PROTOCOL', false, options);
  }
}

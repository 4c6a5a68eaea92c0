import type { Receipt } from './receipt';

/** A message as a consumer hands it over. */
export interface Message {
  /** the topic as the app named it */
  readonly topic: string;
  /** partition index; 0 for a non-partitioned topic */
  readonly partition: number;
  readonly messageId: Receipt;
  /** the routing key (base64 text when the producer sent bytes) */
  readonly key?: string;
  /** the key's bytes when the producer sent bytes */
  readonly keyBytes?: Buffer;
  readonly value: Buffer;
  /**
   * The value decoded by the consumer's `schema` (Pulsar: an object for Json/Avro/ProtobufNative, a
   * string, number, bigint (Int64), boolean or Date for the primitives); the bytes without a schema,
   * null for a null value. A value the schema cannot read throws SchemaError.
   */
  readonly decoded?: unknown;
  /** true when the producer sent a null value */
  readonly nullValue: boolean;
  readonly properties: Readonly<Record<string, string>>;
  /** epoch ms the producer set, if any */
  readonly eventTime?: number;
  /** epoch ms the producer sent it */
  readonly publishTime: number;
  readonly orderingKey?: Buffer;
  readonly producerName: string;
  readonly sequenceId: number;
  /** how often the broker delivered it before */
  readonly redeliveryCount: number;
  readonly schemaVersion?: Buffer;
}

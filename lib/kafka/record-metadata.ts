/**
 * Where Kafka stored a record: its topic, partition and offset (the Java client's RecordMetadata).
 * A send's receipt on a kafka:// client; narrow a `Receipt` with `instanceof RecordMetadata` or `'offset' in id`.
 */
export class RecordMetadata {
  /** the topic as the app named it */
  readonly topic: string;
  readonly partition: number;
  /** the record's offset in its partition; -1 when the broker answered a duplicate it no longer remembers */
  readonly offset: number;
  /** the record's timestamp, epoch ms (the broker's log-append time when the topic uses it) */
  readonly timestamp: number;

  constructor(topic: string, partition: number, offset: number, timestamp: number) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
  }

  /** `topic-partition@offset` */
  toString(): string {
    return `${this.topic}-${this.partition}@${this.offset}`;
  }
}

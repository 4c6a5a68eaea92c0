import type { MessageIdData } from '../protocol/proto';

/** A message as a consumer receives it. */
export interface Message {
  /** the topic as the app named it */
  topic: string;
  /** partition index; 0 for a non-partitioned topic */
  partition: number;
  messageId: { ledgerId: number; entryId: number; batchIndex?: number; partition: number };
  key?: string;
  /** the key's bytes when the producer sent bytes (partition_key_b64_encoded) */
  keyBytes?: Buffer;
  value: Buffer;
  /** true when the producer sent a null value */
  nullValue: boolean;
  properties: Record<string, string>;
  eventTime?: number;
  publishTime: number;
  orderingKey?: Buffer;
  producerName: string;
  sequenceId: number;
  redeliveryCount: number;
  schemaVersion?: Buffer;
  /** @internal ack bookkeeping */
  readonly _ack: AckHandle;
}

/** What acknowledging one received message needs to know. */
export interface AckHandle {
  consumerKey: string;
  epoch: number;
  entry: MessageIdData;
  /** set when the message came out of a batch: the entry is acked once all its messages are */
  batch?: BatchAckState;
  batchIndex?: number;
  /** a chunked message spans several entries, all acknowledged together */
  chunkIds?: MessageIdData[];
}

export interface BatchAckState {
  size: number;
  acked: number;
  ackedIndexes: Set<number>;
}

import type { KeyValue, MessageIdData } from '../../protocol/pulsar/proto';

import { MessageId } from './message-id';
import type { Message } from '../core/types';

export type { Message };

/** The ack bookkeeping a received message carries, under a symbol the public type does not show. */
export const ACK = Symbol('cortado.ack');

/** Who received an entry, and on which connection and epoch: shared by every message of the entry. */
export interface EntryHandle {
  /** the partition consumer that received it (opaque here: lib/partition-consumer owns it) */
  readonly owner: object;
  /** the owner's connection generation when it arrived; permits are returned only to that connection */
  readonly conn: number;
  /** the owner's consumer epoch when it arrived; a redeliver-all makes older copies stale */
  readonly epoch: number;
  readonly entry: MessageIdData;
  /** set when the message came out of a batch: the entry is acked once all its messages are */
  readonly batch?: BatchAckState;
  /** a chunked message spans several entries, all acknowledged together */
  readonly chunkIds?: MessageIdData[];
}

export interface BatchAckState {
  size: number;
  acked: number;
  ackedIndexes: Set<number>;
}

/** The per-entry values every message of an entry shares, computed once per entry. */
export interface EntryFields {
  topic: string;
  partition: number;
  publishTime: number;
  producerName: string;
  redeliveryCount: number;
  schemaVersion: Buffer | undefined;
  handle: EntryHandle;
}

/** The metadata fields a message reads: MessageMetadata and SingleMessageMetadata both have them. */
interface PerMessageMetadata {
  partitionKey?: string;
  partitionKeyB64Encoded?: boolean;
  properties?: KeyValue[];
  eventTime?: number;
  orderingKey?: Uint8Array;
  nullValue?: boolean;
}

const EMPTY_PROPS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const hasOwn = Object.prototype.hasOwnProperty;

/** A received message: one flat object per message (no spreads), its ack handle under a symbol. */
export class ReceivedMessage implements Message {
  readonly topic: string;
  readonly partition: number;
  readonly messageId: MessageId;
  readonly key: string | undefined;
  readonly keyBytes: Buffer | undefined;
  readonly value: Buffer;
  readonly nullValue: boolean;
  readonly properties: Record<string, string>;
  readonly eventTime: number | undefined;
  readonly publishTime: number;
  readonly orderingKey: Buffer | undefined;
  readonly producerName: string;
  readonly sequenceId: number;
  readonly redeliveryCount: number;
  readonly schemaVersion: Buffer | undefined;
  readonly [ACK]: EntryHandle;

  constructor(
    e: EntryFields,
    id: MessageIdData,
    batchIndex: number | undefined,
    md: PerMessageMetadata,
    value: Buffer,
    sequenceId: number,
  ) {
    this.topic = e.topic;
    this.partition = e.partition;
    this.messageId = new MessageId(e.topic, e.partition, id.ledgerId, id.entryId, batchIndex);
    // decoded protobuf objects answer defaults for absent fields; only a key that was sent counts
    const key = hasOwn.call(md, 'partitionKey') ? md.partitionKey : undefined;
    this.key = key;
    this.keyBytes = key !== undefined && md.partitionKeyB64Encoded ? Buffer.from(key, 'base64') : undefined;
    this.value = value;
    this.nullValue = md.nullValue === true;
    this.properties = props(md.properties);
    this.eventTime = md.eventTime ? md.eventTime : undefined;
    this.publishTime = e.publishTime;
    this.orderingKey = md.orderingKey && md.orderingKey.length ? Buffer.from(md.orderingKey) : undefined;
    this.producerName = e.producerName;
    this.sequenceId = sequenceId;
    this.redeliveryCount = e.redeliveryCount;
    this.schemaVersion = e.schemaVersion;
    this[ACK] = e.handle;
  }

  /** The value decoded by the consumer's schema (decoded on each read); the bytes when it has none, null for a null value. */
  get decoded(): unknown {
    if (this.nullValue) return null;
    const decode = (this[ACK].owner as { decodeValue?: (bytes: Buffer, schemaVersion?: Buffer) => unknown }).decodeValue;
    return decode ? decode(this.value, this.schemaVersion) : this.value;
  }
}

function props(list: KeyValue[] | undefined): Record<string, string> {
  if (!list || list.length === 0) return EMPTY_PROPS;
  const out: Record<string, string> = {};
  for (const kv of list) out[kv.key] = kv.value;
  return out;
}

/** The ack handle of a message this library created; undefined for anything else. */
export function entryHandleOf(m: Message): EntryHandle | undefined {
  return m instanceof ReceivedMessage ? m[ACK] : undefined;
}

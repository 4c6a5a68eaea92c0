import { decodeMessageIdData, encodeMessageIdData, MessageIdData } from '../../protocol/pulsar/proto';
import { InvalidArgumentError } from '../core/errors';

/** The fields of a message id, as a plain object. */
export interface MessageIdFields {
  topic: string;
  partition: number;
  ledgerId: number;
  entryId: number;
  batchIndex?: number;
}

const TEXT = /^(\d+):(\d+):(-?\d+)(?::(\d+))?$/;

function checkId(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to 2^53-1, got ${String(v)}`);
  }
  return v;
}

/**
 * Where the broker stored a message: the same class for a producer's receipt and a consumer's
 * message. Text form `ledgerId:entryId:partition[:batchIndex]` (the Java client's); byte form
 * the protocol's MessageIdData encoding, as the official clients serialize ids.
 */
export class MessageId implements MessageIdFields {
  /** the topic as the app named it ('' when the id was parsed without one) */
  readonly topic: string;
  /** partition index; -1 for a non-partitioned topic in ids parsed from other clients, 0 in cortado's own */
  readonly partition: number;
  readonly ledgerId: number;
  readonly entryId: number;
  /** position inside a batch; absent when the message went out alone */
  readonly batchIndex?: number;

  constructor(topic: string, partition: number, ledgerId: number, entryId: number, batchIndex?: number) {
    this.topic = topic;
    this.partition = partition;
    this.ledgerId = ledgerId;
    this.entryId = entryId;
    if (batchIndex !== undefined && batchIndex >= 0) this.batchIndex = batchIndex;
  }

  static from(f: MessageIdFields): MessageId {
    return new MessageId(f.topic, f.partition, f.ledgerId, f.entryId, f.batchIndex);
  }

  /** `ledgerId:entryId:partition[:batchIndex]` */
  toString(): string {
    const base = `${this.ledgerId}:${this.entryId}:${this.partition}`;
    return this.batchIndex === undefined ? base : `${base}:${this.batchIndex}`;
  }

  /** Parses `ledgerId:entryId:partition[:batchIndex]`; the text carries no topic, so pass it if known. */
  static fromString(text: string, topic = ''): MessageId {
    const m = typeof text === 'string' ? TEXT.exec(text.trim()) : null;
    if (!m) throw new InvalidArgumentError(`not a message id: ${JSON.stringify(text)}; expected ledgerId:entryId:partition[:batchIndex]`);
    const n = (s: string, what: string, min: number) => checkId(Number(s), what, min);
    return new MessageId(
      topic,
      n(m[3], 'partition', -1),
      n(m[1], 'ledgerId', 0),
      n(m[2], 'entryId', 0),
      m[4] === undefined ? undefined : n(m[4], 'batchIndex', 0),
    );
  }

  /** The protocol's MessageIdData bytes (ledgerId, entryId, partition when >= 0, batch_index when batched). */
  serialize(): Uint8Array {
    // as the Java client writes it: partition only when known, batch_index only when batched
    const d: MessageIdData = { ledgerId: this.ledgerId, entryId: this.entryId };
    if (this.partition >= 0) d.partition = this.partition;
    if (this.batchIndex !== undefined) d.batchIndex = this.batchIndex;
    return encodeMessageIdData(d);
  }

  /** Reads MessageIdData bytes (from cortado or an official client); the bytes carry no topic. */
  static deserialize(bytes: Uint8Array, topic = ''): MessageId {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('MessageId.deserialize takes a Buffer or Uint8Array');
    let d;
    try {
      d = decodeMessageIdData(bytes);
    } catch (err) {
      throw new InvalidArgumentError(`not a serialized message id: ${(err as Error).message}`);
    }
    const has = (k: string) => Object.prototype.hasOwnProperty.call(d, k);
    if (!has('ledgerId') || !has('entryId'))
      throw new InvalidArgumentError('not a serialized message id: ledgerId and entryId are required');
    return new MessageId(topic, d.partition, d.ledgerId, d.entryId, d.batchIndex);
  }

  /** Same position (ledger, entry, partition, batch index) and, when both name one, the same topic. */
  equals(other: MessageIdFields): boolean {
    return this.compareTo(other) === 0 && (!this.topic || !other.topic || this.topic === other.topic);
  }

  /** Orders by ledgerId, entryId, partition, then batch index (an unbatched id sorts first); <0, 0 or >0. */
  compareTo(other: MessageIdFields): number {
    return (
      this.ledgerId - other.ledgerId ||
      this.entryId - other.entryId ||
      this.partition - other.partition ||
      (this.batchIndex ?? -1) - (other.batchIndex ?? -1)
    );
  }

  static compare(a: MessageIdFields, b: MessageIdFields): number {
    return MessageId.from(a).compareTo(b);
  }
}

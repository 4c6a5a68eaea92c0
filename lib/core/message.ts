import { InvalidArgumentError } from './errors';
import type { Receipt } from './receipt';
import type { ProducerPartitionCounters } from './stats';

/** One message property, as the wire formats carry them. */
export interface KeyValue {
  key: string;
  value: string;
}

/** What a producer's schema encodes (Pulsar `schema`: objects for Json/Avro/ProtobufNative, primitives for their types). */
export type SchemaValue = number | bigint | boolean | Date | { readonly [field: string]: unknown };
export type Value = Buffer | Uint8Array | string | null | SchemaValue;
export type KeyInput = Buffer | Uint8Array | string | null | undefined;

/** Per-message options of produce/produceSync; any other key is an InvalidArgumentError. */
export interface SendOptions {
  /** ms until the send fails with a TimeoutError (0: no timeout; sends are resent until the broker answers). @default the producer's sendTimeoutMs */
  timeout?: number;
  /**
   * The broker's deduplication id for this message instead of the producer's counter: ids must
   * increase, and a retry after a TimeoutError with the same id is stored at most once.
   */
  sequenceId?: number;
  /** routes and is stored as partition_key instead of the key */
  partitionKey?: string | Uint8Array;
  /** Key_Shared ordering key */
  orderingKey?: string | Uint8Array;
  /** string keys to string values, stored with the message */
  properties?: Record<string, string>;
  /** the app's own time of the event, epoch ms or a Date */
  eventTime?: Date | number;
  /** absolute delivery time */
  deliverAt?: Date | number;
  /** delivery delay in ms from now */
  deliverAfter?: number;
}

// Every SendOptions key (the compiler insists a new option is listed), plus a list message's own fields.
const SEND_OPTION_KEYS = {
  timeout: true,
  sequenceId: true,
  partitionKey: true,
  orderingKey: true,
  properties: true,
  eventTime: true,
  deliverAt: true,
  deliverAfter: true,
} as const satisfies Record<keyof SendOptions, true>;
const MESSAGE_KEYS: ReadonlySet<string> = new Set([...Object.keys(SEND_OPTION_KEYS), 'key', 'value']);

/** A message as the app hands it over in the list form. */
export interface ProduceMessage extends SendOptions {
  key?: KeyInput;
  value: Value;
}

/** A message ready for a worker: validated, bytes resolved, waiting for its receipt. */
export interface OutgoingMessage {
  /** the bytes to send; emptied once a batch body holds a copy of them */
  payload: Uint8Array;
  /** the payload's length, counted against the memory limit until the message settles */
  size: number;
  nullValue: boolean;
  partitionKey?: string;
  partitionKeyB64: boolean;
  /** the routing key as the app gave it when it is bytes (a wire that carries key bytes takes these as they are) */
  keyBytes?: Uint8Array;
  orderingKey?: Uint8Array;
  properties?: KeyValue[];
  eventTime?: number;
  deliverAtTime?: number;
  /** the app's sequence id (SendOptions.sequenceId), else -1: the producer numbers it */
  sequenceId: number;
  resolve(id: Receipt): void;
  reject(err: Error): void;
  /** epoch ms after which the send fails with a TimeoutError; 0 = never */
  deadline: number;
  /** the producer's running count when it was handed over: flush() waits up to a count */
  ticket: number;
  settled: boolean;
  /** the partition's stats counters and the moment (performance.now) it was handed over; set by the producer */
  counters?: ProducerPartitionCounters;
  sentAt?: number;
  /** the caller's settle functions while resolve/reject are the counting ones */
  onResolve?: (id: Receipt) => void;
  onReject?: (err: Error) => void;
}

const NOOP = () => undefined;

const EMPTY = new Uint8Array(0);

/** The value's bytes: Buffers and Uint8Arrays as they are, strings encoded once. */
export function valueBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value === null || value === undefined) return EMPTY;
  throw new InvalidArgumentError(
    `message value of type ${describeType(value)} is not supported; pass a Buffer, Uint8Array, string or null (or set a schema that encodes it)`,
  );
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

// the key as partition_key text: strings as they are, bytes as base64 (flagged by keyIsBytes)
function keyText(key: unknown, what: string): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string') return key;
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  throw new InvalidArgumentError(`${what} of type ${describeType(key)} is not supported; pass a string, Buffer or Uint8Array`);
}

function timeOf(v: unknown, what: string): number {
  const ms = v instanceof Date ? v.getTime() : v;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidArgumentError(`${what} must be a Date or a non-negative integer of epoch milliseconds, got ${String(v)}`);
  }
  return ms;
}

/** Validates one message and resolves its bytes; throws InvalidArgumentError naming the bad field. */
// Every message is built with all its fields, so they share one object shape on the hot path.
export function prepareMessage(key: KeyInput, value: unknown, opts: SendOptions | undefined): OutgoingMessage {
  const payload = valueBytes(value);
  const routingKey = opts?.partitionKey ?? key;
  const partitionKey = keyText(routingKey, opts?.partitionKey !== undefined ? 'partitionKey' : 'key');
  const out: OutgoingMessage = {
    payload,
    size: payload.length,
    nullValue: value === null || value === undefined,
    partitionKey,
    partitionKeyB64: routingKey instanceof Uint8Array,
    keyBytes: routingKey instanceof Uint8Array ? routingKey : undefined,
    orderingKey: undefined,
    properties: undefined,
    eventTime: undefined,
    deliverAtTime: undefined,
    sequenceId: -1,
    resolve: NOOP,
    reject: NOOP,
    deadline: 0,
    ticket: 0,
    settled: false,
    counters: undefined,
    sentAt: 0,
    onResolve: undefined,
    onReject: undefined,
  };
  if (!opts) return out;
  if (typeof opts !== 'object') throw new InvalidArgumentError(`send options must be an object, got ${describeType(opts)}`);
  for (const k in opts) {
    if (!MESSAGE_KEYS.has(k)) {
      throw new InvalidArgumentError(
        `unknown send option ${JSON.stringify(k)}; send options are ${Object.keys(SEND_OPTION_KEYS).join(', ')}`,
      );
    }
  }
  if (opts.orderingKey !== undefined) {
    if (typeof opts.orderingKey === 'string') out.orderingKey = Buffer.from(opts.orderingKey, 'utf8');
    else if (opts.orderingKey instanceof Uint8Array) out.orderingKey = opts.orderingKey;
    else throw new InvalidArgumentError(`orderingKey must be a string or bytes, got ${describeType(opts.orderingKey)}`);
  }
  if (opts.properties !== undefined) {
    if (typeof opts.properties !== 'object' || opts.properties === null || Array.isArray(opts.properties)) {
      throw new InvalidArgumentError('properties must be an object of string keys to string values');
    }
    out.properties = Object.entries(opts.properties).map(([k, v]) => {
      if (typeof v !== 'string') {
        throw new InvalidArgumentError(
          `property ${JSON.stringify(k)} has a value of type ${describeType(v)}; property values must be strings`,
        );
      }
      return { key: k, value: v };
    });
  }
  if (opts.eventTime !== undefined) out.eventTime = timeOf(opts.eventTime, 'eventTime');
  if (opts.deliverAt !== undefined) out.deliverAtTime = timeOf(opts.deliverAt, 'deliverAt');
  if (opts.deliverAfter !== undefined) {
    if (typeof opts.deliverAfter !== 'number' || !Number.isFinite(opts.deliverAfter) || opts.deliverAfter < 0) {
      throw new InvalidArgumentError(`deliverAfter must be a non-negative number of milliseconds, got ${String(opts.deliverAfter)}`);
    }
    out.deliverAtTime = Date.now() + Math.round(opts.deliverAfter);
  }
  if (opts.timeout !== undefined && (typeof opts.timeout !== 'number' || !(opts.timeout >= 0) || !Number.isFinite(opts.timeout))) {
    throw new InvalidArgumentError(`timeout must be a non-negative number of milliseconds (0 = no timeout), got ${String(opts.timeout)}`);
  }
  if (opts.sequenceId !== undefined) {
    if (typeof opts.sequenceId !== 'number' || !Number.isSafeInteger(opts.sequenceId) || opts.sequenceId < 0) {
      throw new InvalidArgumentError(`sequenceId must be a non-negative safe integer, got ${String(opts.sequenceId)}`);
    }
    out.sequenceId = opts.sequenceId;
  }
  return out;
}

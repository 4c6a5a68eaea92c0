import * as diagnostics_channel from 'node:diagnostics_channel';
import type { CortadoError } from './errors';

/** Where a per-partition producer or consumer stands in its lifecycle (every backend has these states). */
export type HandlerState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' | 'terminated' | 'failed';

/**
 * Where a backend stored a message, as the traces carry it: the receipt without its topic and
 * partition (Pulsar: ledgerId, entryId, batchIndex).
 */
export type ReceiptPosition = Readonly<Record<string, number | undefined>>;

/**
 * The `node:diagnostics_channel` channels cortado publishes on, for tracing and metrics
 * (OpenTelemetry, APM agents, tests). Nothing is built for a channel nobody subscribed to.
 */
export const CHANNELS = {
  /** {@link ConnectionEvent}: a broker connection opened or closed */
  connection: 'cortado:connection',
  /** {@link LookupEvent}: partition counts and topic owners asked of the broker */
  lookup: 'cortado:lookup',
  /** {@link HandlerStateEvent}: a per-partition producer changed state */
  producer: 'cortado:producer',
  /** {@link HandlerStateEvent}: a per-partition consumer changed state */
  consumer: 'cortado:consumer',
  /** {@link SendEvent}: a message was handed over (`start`) and later stored or failed */
  send: 'cortado:send',
  /** {@link ReceiveEvent}: a message was received and handed to the app */
  receive: 'cortado:receive',
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

/** Published on `cortado:connection`. */
export interface ConnectionEvent {
  event: 'open' | 'close';
  /** the broker address, `scheme://host:port` (and `->url` when reached through a proxy) */
  broker: string;
  /** on open: what CONNECTED said */
  serverVersion?: string;
  protocolVersion?: number;
  maxMessageSize?: number;
  /** on close: why (a ClosedError when the client closed it) */
  error?: CortadoError;
}

/** Published on `cortado:lookup`, once per answered or failed question. */
export interface LookupEvent {
  event: 'partitionedMetadata' | 'lookup';
  topic: string;
  /** partitionedMetadata: 0 for a non-partitioned topic */
  partitions?: number;
  /** lookup: the owning broker, `scheme://host:port` */
  broker?: string;
  /** lookup: Redirect answers followed before the owner was found */
  redirects?: number;
  /** lookup: the broker is reached through the service URL (a proxy) */
  proxied?: boolean;
  durationMs: number;
  error?: CortadoError;
}

/** Published on `cortado:producer` and `cortado:consumer` at every state change. */
export interface HandlerStateEvent {
  /** the backend's name of the partition (Pulsar: `T` or `T-partition-i`) */
  topic: string;
  from: HandlerState;
  to: HandlerState;
  /** why it left `ready`, or failed */
  error?: CortadoError;
}

/**
 * Published on `cortado:send`: the same object at `start` and again, completed, at `end` or
 * `error`, so a tracer can keep a span per object (e.g. in a WeakMap).
 */
export interface SendEvent {
  phase: 'start' | 'end' | 'error';
  topic: string;
  partition: number;
  /** payload bytes as handed over (before compression) */
  bytes: number;
  /** on end: where the broker stored it */
  messageId?: ReceiptPosition;
  error?: Error;
  /** on end/error: ms since start */
  durationMs?: number;
}

/** Published on `cortado:receive` for each message handed to the app. */
export interface ReceiveEvent {
  topic: string;
  partition: number;
  messageId: ReceiptPosition;
  bytes: number;
  redeliveryCount: number;
}

export interface ChannelMessages {
  'cortado:connection': ConnectionEvent;
  'cortado:lookup': LookupEvent;
  'cortado:producer': HandlerStateEvent;
  'cortado:consumer': HandlerStateEvent;
  'cortado:send': SendEvent;
  'cortado:receive': ReceiveEvent;
}

/** One channel, typed by what it carries. */
export interface TypedChannel<M> {
  readonly name: string;
  readonly hasSubscribers: boolean;
  publish(message: M): void;
}

function channel<N extends ChannelName>(name: N): TypedChannel<ChannelMessages[N]> {
  return diagnostics_channel.channel(name) as unknown as TypedChannel<ChannelMessages[N]>;
}

export const connectionChannel = channel(CHANNELS.connection);
export const lookupChannel = channel(CHANNELS.lookup);
export const producerChannel = channel(CHANNELS.producer);
export const consumerChannel = channel(CHANNELS.consumer);
export const sendChannel = channel(CHANNELS.send);
export const receiveChannel = channel(CHANNELS.receive);

/** Publishes when someone listens; the message is built only then. */
export function publish<M>(ch: TypedChannel<M>, build: () => M): void {
  if (ch.hasSubscribers) ch.publish(build());
}

/**
 * The send trace of one message: `start` now, then `end`/`error` on the same object.
 * Returns undefined (no work at all) when nobody subscribed to `cortado:send`.
 */
export function traceSend(topic: string, partition: number, bytes: number): SendTrace | undefined {
  if (!sendChannel.hasSubscribers) return undefined;
  const ev: SendEvent = { phase: 'start', topic, partition, bytes };
  const t0 = performance.now();
  sendChannel.publish(ev);
  return {
    end(messageId) {
      ev.phase = 'end';
      ev.messageId = positionOf(messageId);
      ev.durationMs = performance.now() - t0;
      sendChannel.publish(ev);
    },
    error(err) {
      ev.phase = 'error';
      ev.error = err;
      ev.durationMs = performance.now() - t0;
      sendChannel.publish(ev);
    },
  };
}

/** The receipt's own fields but its topic and partition, which the event carries already. */
function positionOf(receipt: object): ReceiptPosition {
  const out: Record<string, number | undefined> = {};
  for (const [k, v] of Object.entries(receipt)) if (k !== 'topic' && k !== 'partition' && typeof v === 'number') out[k] = v;
  return out;
}

export interface SendTrace {
  end(receipt: object): void;
  error(err: Error): void;
}

/** A send's resolve/reject pair that also completes its trace (callers skip it when traceSend gave none). */
export function tracedSettle<T extends object>(
  trace: SendTrace,
  resolve: (id: T) => void,
  reject: (err: Error) => void,
): { resolve: (id: T) => void; reject: (err: Error) => void } {
  return {
    resolve: (id) => {
      trace.end(id);
      resolve(id);
    },
    reject: (err) => {
      trace.error(err);
      reject(err);
    },
  };
}

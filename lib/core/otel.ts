// producer.stats() and consumer.stats() as OpenTelemetry metrics, when the app has
// @opentelemetry/api installed: observable instruments read the counters at collection time,
// so nothing is added to the send path; without the package nothing here does anything.
import type * as OtelApi from '@opentelemetry/api';
import type { ConsumerStats, ProducerStats } from './stats';

type Source = { kind: 'producer'; id: string; stats(): ProducerStats } | { kind: 'consumer'; id: string; stats(): ConsumerStats };

const live = new Set<Source>();
let api: typeof OtelApi | null | undefined;
let provider: OtelApi.MeterProvider | undefined;
let ids = 0;

// the optional peer dependency, looked up once
function loadApi(): typeof OtelApi | null {
  if (api === undefined) {
    try {
      // a require, not an import: the package is optional and may be absent
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require('@opentelemetry/api') as typeof OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}

/** Reports `stats` through the global MeterProvider until the returned function is called. */
export function exportStats(kind: 'producer', stats: () => ProducerStats): () => void;
export function exportStats(kind: 'consumer', stats: () => ConsumerStats): () => void;
export function exportStats(kind: 'producer' | 'consumer', stats: () => ProducerStats | ConsumerStats): () => void {
  const otel = loadApi();
  if (!otel) return () => undefined;
  // instruments belong to the provider that was global when they were made: follow a new one
  const current = otel.metrics.getMeterProvider();
  if (current !== provider) {
    provider = current;
    instrument(current.getMeter('cortado'));
  }
  const source = { kind, id: `${kind}-${++ids}`, stats } as Source;
  live.add(source);
  return () => live.delete(source);
}

const PRODUCER = {
  'cortado.producer.messages.sent': ['counter', '{message}', 'messages acknowledged by the broker', (s) => s.messagesSent],
  'cortado.producer.bytes.sent': ['counter', 'By', 'payload bytes acknowledged by the broker', (s) => s.bytesSent],
  'cortado.producer.send.failed': ['counter', '{message}', 'sends that failed', (s) => s.sendFailed],
  'cortado.producer.pending': ['gauge', '{message}', 'sends handed over and not yet settled', (s) => s.pending],
  'cortado.producer.send.latency.p50': ['gauge', 'ms', 'median send latency over the last interval', (s) => s.sendLatencyMs.p50],
  'cortado.producer.send.latency.p99': ['gauge', 'ms', '99th percentile send latency over the last interval', (s) => s.sendLatencyMs.p99],
} satisfies Record<string, Instrument<ProducerStats['partitions'][number]>>;

const CONSUMER = {
  'cortado.consumer.messages.received': ['counter', '{message}', 'messages received', (s) => s.messagesReceived],
  'cortado.consumer.bytes.received': ['counter', 'By', 'payload bytes received', (s) => s.bytesReceived],
  'cortado.consumer.acks': ['counter', '{message}', 'acknowledgements', (s) => s.acks],
  'cortado.consumer.nacks': ['counter', '{message}', 'negative acknowledgements', (s) => s.nacks],
  'cortado.consumer.redeliveries': ['counter', '{message}', 'messages received again', (s) => s.redeliveries],
  'cortado.consumer.pending': ['gauge', '{message}', 'received and not yet acknowledged or nacked', (s) => s.pending],
} satisfies Record<string, Instrument<ConsumerStats['partitions'][number]>>;

type Instrument<P> = ['counter' | 'gauge', string, string, (p: P) => number];

function instrument(meter: OtelApi.Meter): void {
  const make = ([kind, unit, description]: Instrument<never>, name: string): OtelApi.Observable =>
    kind === 'counter'
      ? meter.createObservableCounter(name, { unit, description })
      : meter.createObservableGauge(name, { unit, description });
  const producer = Object.entries(PRODUCER).map(([name, spec]) => [make(spec, name), spec[3]] as const);
  const consumer = Object.entries(CONSUMER).map(([name, spec]) => [make(spec, name), spec[3]] as const);
  meter.addBatchObservableCallback(
    (result) => {
      for (const src of live) {
        for (const p of src.stats().partitions) {
          const attrs = {
            'messaging.destination.name': p.topic,
            'messaging.destination.partition.id': String(p.partition),
            'cortado.client': src.id,
          };
          const list = (src.kind === 'producer' ? producer : consumer) as ReadonlyArray<
            readonly [OtelApi.Observable, (p: unknown) => number]
          >;
          for (const [obs, read] of list) result.observe(obs, read(p), attrs);
        }
      }
    },
    [...producer, ...consumer].map(([o]) => o),
  );
}

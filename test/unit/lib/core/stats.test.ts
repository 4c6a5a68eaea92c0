import { expect } from 'chai';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { prepareMessage } from '../../../../lib/core/message';
import { exportStats } from '../../../../lib/core/otel';
import {
  ConsumerPartitionCounters,
  consumerStats,
  countAck,
  countDropped,
  countedReject,
  countedResolve,
  countNack,
  countReceived,
  LatencyHistogram,
  ProducerPartitionCounters,
  producerStats,
  newLatencyBuckets,
  STATS_INTERVAL_MS,
  summarize,
} from '../../../../lib/core/stats';

const counts = (h: LatencyHistogram): Uint32Array => {
  const into = newLatencyBuckets();
  h.addTo(0, into);
  return into;
};
import type { Message } from '../../../../lib/core/received-message';
import { Client, RecordMetadata } from '../../../../lib';
import { ScriptedKafkaBroker } from '../../../support/scripted-kafka-broker';

/** A message handed over at `sentAt` with the counting resolve/reject, as the producer sets it. */
function counted(c: ProducerPartitionCounters, bytes: number, sentAt: number) {
  const msg = prepareMessage('k', Buffer.alloc(bytes), undefined);
  const seen: unknown[] = [];
  c.pending++;
  Object.assign(msg, { counters: c, sentAt, onResolve: (id: unknown) => seen.push(id), onReject: (e: Error) => seen.push(e) });
  msg.resolve = countedResolve;
  msg.reject = countedReject;
  return { msg, seen };
}

describe('lib/core/stats', () => {
  it('gives p50/p99/max of a window within one bucket step (12.5 %), never above the max', () => {
    const h = new LatencyHistogram(0);
    for (let i = 1; i <= 1000; i++) h.record(1, i / 10); // 0.1 .. 100 ms
    const s = h.snapshot(2);
    expect(s.count).to.equal(1000);
    expect(s.max).to.equal(100);
    expect(s.p50).to.be.within(50, 50 * 1.125);
    expect(s.p99).to.be.within(99, 100);
  });

  it('puts every latency from 0 to an hour in a bucket whose top is at most 12.5 % (or 1 µs) above it', () => {
    for (const ms of [0, 0.0005, 0.001, 0.0071, 0.008, 0.0123, 1, 1.9, 37.5, 999, 65_535.9, 2_000_000, 3_600_000]) {
      const h = new LatencyHistogram(0);
      h.record(0, ms);
      const top = summarize(counts(h), Infinity).p50;
      expect(top, `${ms} ms`).to.be.at.least(Math.min(ms, 2147483.647));
      // below 8 µs the buckets are 1 µs wide
      expect(top, `${ms} ms`).to.be.at.most(Math.max(ms * 1.125, ms + 0.001));
    }
  });

  it('covers the last one to two intervals: older samples drop out', () => {
    const h = new LatencyHistogram(0);
    h.record(10, 500);
    h.record(STATS_INTERVAL_MS + 10, 2); // rotates: the 500 ms sample is in the previous interval
    expect(h.snapshot(STATS_INTERVAL_MS + 20)).to.include({ count: 2, max: 500 });
    h.record(2 * STATS_INTERVAL_MS + 20, 3); // rotates again: only the 2 ms and 3 ms samples remain
    expect(h.snapshot(2 * STATS_INTERVAL_MS + 30)).to.include({ count: 2, max: 3 });
    expect(h.snapshot(10 * STATS_INTERVAL_MS)).to.deep.equal({ p50: 0, p99: 0, max: 0, count: 0 });
  });

  it('counts settled sends per partition and in total through the shared resolve/reject', () => {
    const now = performance.now();
    const a = new ProducerPartitionCounters('t', 0, now);
    const b = new ProducerPartitionCounters('t', 1, now);
    const ok = counted(a, 10, now - 4);
    const ok2 = counted(b, 30, now - 8);
    const bad = counted(b, 5, now);
    counted(b, 7, now); // still pending
    ok.msg.resolve('id-1' as never);
    ok2.msg.resolve('id-2' as never);
    bad.msg.reject(new Error('boom'));
    expect(ok.seen).to.deep.equal(['id-1']);
    expect((bad.seen[0] as Error).message).to.equal('boom');
    const s = producerStats([a, b], performance.now());
    expect(s).to.include({ messagesSent: 2, bytesSent: 40, sendFailed: 1, pending: 1 });
    expect(s.partitions.map((p) => [p.partition, p.messagesSent, p.bytesSent, p.sendFailed, p.pending])).to.deep.equal([
      [0, 1, 10, 0, 0],
      [1, 1, 30, 1, 1],
    ]);
    expect(s.sendLatencyMs.count).to.equal(2);
    // lower bounds only: the sends were handed over 4 and 8 ms before they settled, at least
    expect(s.sendLatencyMs.p50).to.be.within(4, s.sendLatencyMs.p99);
    expect(s.sendLatencyMs.p99).to.be.within(8, s.sendLatencyMs.max);
    expect(s.partitions[0].sendLatencyMs.count).to.equal(1);
  });

  it('counts received bytes, redeliveries, acks, nacks and pending', () => {
    const c = new ConsumerPartitionCounters('t', 2);
    const msg = (n: number, redeliveryCount: number) => ({ value: Buffer.alloc(n), redeliveryCount }) as unknown as Message;
    countReceived(c, [msg(3, 0), msg(4, 1), msg(5, 0)]);
    countAck(c, false);
    countNack(c);
    expect(consumerStats([c])).to.deep.include({ messagesReceived: 3, bytesReceived: 12, redeliveries: 1, acks: 1, nacks: 1, pending: 1 });
    countReceived(c, [msg(1, 0), msg(1, 0)]);
    countDropped(c); // a stale copy the app never saw
    expect(consumerStats([c])).to.include({ messagesReceived: 5, pending: 2 });
    countAck(c, true);
    expect(consumerStats([c]).partitions[0]).to.include({ topic: 't', partition: 2, acks: 2, pending: 0 });
  });

  it('exports the counters as OpenTelemetry metrics read at collection (in-memory reader)', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    const c = new ConsumerPartitionCounters('orders', 1);
    const stop = exportStats('consumer', () => consumerStats([c]));
    try {
      countReceived(c, [{ value: Buffer.alloc(8), redeliveryCount: 0 } as unknown as Message]);
      countReceived(c, [{ value: Buffer.alloc(2), redeliveryCount: 2 } as unknown as Message]);
      countAck(c, false);
      await reader.forceFlush();
      const points = new Map<string, { value: unknown; attributes: Record<string, unknown> }>();
      for (const rm of exporter.getMetrics())
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points.set(m.descriptor.name, m.dataPoints[0] as never);
      expect(points.get('cortado.consumer.messages.received')?.value).to.equal(2);
      expect(points.get('cortado.consumer.bytes.received')?.value).to.equal(10);
      expect(points.get('cortado.consumer.redeliveries')?.value).to.equal(1);
      expect(points.get('cortado.consumer.acks')?.value).to.equal(1);
      expect(points.get('cortado.consumer.pending')?.value).to.equal(1);
      expect(points.get('cortado.consumer.acks')?.attributes).to.deep.include({
        'messaging.destination.name': 'orders',
        'messaging.destination.partition.id': '1',
      });
      // once unregistered (closed), the counters are no longer read
      stop();
      countReceived(c, [{ value: Buffer.alloc(1), redeliveryCount: 0 } as unknown as Message]);
      exporter.reset();
      await reader.forceFlush();
      const after = exporter
        .getMetrics()
        .flatMap((rm) =>
          rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === 'cortado.consumer.messages.received')),
        )
        .flatMap((m) => m.dataPoints as unknown as Array<{ value: number }>);
      expect(after.every((d) => d.value === 2)).to.equal(true);
    } finally {
      stop();
      await provider.shutdown();
      metrics.disable();
    }
  });

  it('are kept by the core for every backend: a Kafka producer (scripted broker) counts sent, failed and pending', async () => {
    const peer = await ScriptedKafkaBroker.start({ topics: { orders: 1 } });
    const client = new Client({ url: peer.url, operationTimeoutMs: 2000, connectionTimeoutMs: 1000 }, {});
    try {
      const p = client.producer<RecordMetadata>({ topics: ['orders'], sendTimeoutMs: 3000, retryBackoffMs: 10 });
      await p.start();
      await Promise.all(['a', 'bb', 'ccc'].map((v) => p.produce('orders', 'k', v)));
      peer.once('Produce', (_req, reply) => reply.error(10)); // MESSAGE_TOO_LARGE: that send fails
      const failed = await p.produce('orders', 'k', 'dddd').catch((e: Error) => e);
      expect(failed).to.be.instanceOf(Error);
      const s = p.stats();
      expect(s).to.include({ messagesSent: 3, bytesSent: 6, sendFailed: 1, pending: 0 });
      expect(s.partitions.map((x) => [x.topic, x.partition, x.messagesSent])).to.deep.equal([['orders', 0, 3]]);
      expect(s.sendLatencyMs.count).to.equal(3);
    } finally {
      await client.close();
      await peer.stop();
    }
  });
});

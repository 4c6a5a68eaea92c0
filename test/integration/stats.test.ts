import { expect } from 'chai';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Message } from '../../lib/core/received-message';
import * as admin from '../../tools/admin';
import { uniqueTopic, withBroker } from './helpers';

describe('producer.stats() and consumer.stats() against a real Pulsar broker', function () {
  this.timeout(180_000);
  const b = withBroker();

  it('count sends, bytes, acks, nacks and redeliveries per partition and in total, and export them to OpenTelemetry', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      const topic = uniqueTopic('stats');
      await admin.createPartitionedTopic(b.broker.adminUrl, topic, 2);
      const p = await b.producer({ topics: [topic] });
      await Promise.all(Array.from({ length: 10 }, (_, i) => p.produceSync(topic, i % 2, `k${i}`, 'v'.repeat(i + 1))));
      const ps = p.stats();
      expect(ps).to.include({ messagesSent: 10, bytesSent: 55, sendFailed: 0, pending: 0 });
      expect(ps.partitions.map((x) => [x.partition, x.messagesSent, x.bytesSent]).sort()).to.deep.equal([
        [0, 5, 25],
        [1, 5, 30],
      ]);
      expect(ps.sendLatencyMs.count).to.equal(10);
      expect(ps.sendLatencyMs.p50).to.be.greaterThan(0);
      expect(ps.sendLatencyMs.p99).to.be.within(ps.sendLatencyMs.p50, ps.sendLatencyMs.max);

      const c = await b.consumer({ topics: [topic], subscription: 'stats', subscriptionType: 'shared', negativeAckRedeliveryDelayMs: 100 });
      let nacked: Message | undefined;
      let redelivered: Message | undefined;
      let acked = 0;
      for await (const m of c) {
        if (!nacked) {
          nacked = m;
          c.nack(m);
          continue;
        }
        c.ack(m);
        acked++;
        if (m.redeliveryCount > 0) redelivered = m;
        if (acked === 10) break;
      }
      expect(redelivered?.value.toString()).to.equal(nacked!.value.toString());
      const cs = c.stats();
      expect(cs).to.include({ messagesReceived: 11, acks: 10, nacks: 1, redeliveries: 1, pending: 0 });
      expect(cs.bytesReceived).to.equal(55 + nacked!.value.length);
      expect(cs.partitions.map((x) => x.partition).sort()).to.deep.equal([0, 1]);

      await reader.forceFlush();
      const sum = (name: string) =>
        exporter
          .getMetrics()
          .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === name)))
          .flatMap((m) => m.dataPoints as unknown as Array<{ value: number; attributes: Record<string, unknown> }>)
          // the global provider also sees clients other test files left open: count this test's topic only
          .filter((d) => String(d.attributes['messaging.destination.name']).includes(topic))
          .reduce((n, d) => n + d.value, 0);
      expect(sum('cortado.producer.messages.sent')).to.equal(10);
      expect(sum('cortado.producer.bytes.sent')).to.equal(55);
      expect(sum('cortado.consumer.messages.received')).to.equal(11);
      expect(sum('cortado.consumer.nacks')).to.equal(1);
    } finally {
      await provider.shutdown();
      metrics.disable();
    }
  });
});

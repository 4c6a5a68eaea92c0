import { expect } from 'chai';
import * as crypto from 'crypto';
import { runKafkaScenario } from '../../chaos/kafka-scenario';
import { Producer, RecordMetadata } from '../../lib';
import { ScenarioResult, violations } from '../../chaos/scenario';
import { ownKafkaBroker } from '../support/kafka-broker';

// The reduced Kafka chaos run: 5,000 keyed messages through one SIGKILL + restart of a
// single-node broker of its own (the shared one must not be killed under other tests).

describe('kafka chaos (reduced): SIGKILL + restart of a real single-node broker', function () {
  const broker = ownKafkaBroker({ nodes: 1 });

  it('defect: with batching off, messages written while every request slot was busy waited for sendTimeoutMs', async function () {
    this.timeout(120_000);
    // found by the chaos run: the open batch went only on the next write, so a burst's tail sat until it timed out
    // created on first use with the broker's one partition, so no JVM is started for it
    const topic = `chaos-tail-${crypto.randomBytes(3).toString('hex')}`;
    const p = new Producer<RecordMetadata>({ url: broker().bootstrap, topics: [topic], sendTimeoutMs: 60_000 }, {});
    await p.start();
    try {
      const sends = Array.from({ length: 3000 }, (_, i) => p.produce(topic, `k${i % 10}`, `v${i}`));
      const t0 = Date.now();
      const settled = await Promise.race([
        Promise.allSettled(sends).then((r) => r.filter((x) => x.status === 'fulfilled').length),
        new Promise<string>((r) => setTimeout(() => r('still waiting after 20 s'), 20_000).unref()),
      ]);
      expect(settled, `after ${Date.now() - t0} ms`).to.equal(3000);
    } finally {
      await p.close();
    }
  });

  it('loses, duplicates and reorders nothing, and settles every send', async function () {
    this.timeout(240_000);
    const lines: string[] = [];
    let r: ScenarioResult;
    try {
      r = await runKafkaScenario(broker(), {
        name: 'ci',
        mode: 'batched',
        faults: [{ kind: 'kill', at: 2000 }],
        partitions: 4,
        sendTimeoutMs: 30_000,
        run: crypto.randomBytes(3).toString('hex'),
        settleMs: 60_000,
        readTimeoutMs: 60_000,
        recoveryWaitMs: 60_000,
        log: (l) => lines.push(l),
        // paced over 10 s so the kill lands while sends are in flight
        workload: { messages: 5000, keys: 100, inFlight: 1000, payloadBytes: 100, minDurationMs: 10_000, stallMs: 90_000, maxMs: 90_000 },
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${lines.join('\n')}`, { cause: err });
    }
    const why = `${violations(r).join(', ')}\n${lines.join('\n')}\n${JSON.stringify(r.verdict.examples)}`;
    expect(
      r.faults.map((f) => f.kind),
      why,
    ).to.deep.equal(['kill']);
    expect(r.handed, why).to.equal(5000);
    expect(r.neverSettled, why).to.equal(0);
    expect(r.verdict.lost, why).to.equal(0);
    expect(r.verdict.duplicated, why).to.equal(0);
    expect(r.verdict.orderViolations, why).to.equal(0);
    expect(violations(r), why).to.deep.equal([]);
    // the producer came back: a send resolved after the kill
    expect(r.faults[0].recoveryMs, why).to.be.a('number');
    // every resolved send was read back, and the reader saw the whole log
    expect(r.verdict.read, why).to.be.at.least(r.resolved);
    expect(r.verdict.read + r.verdict.others, why).to.equal(r.verdict.adminBacklog);
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import { RestartableBroker, startRestartablePulsar } from '../../tools/restartable-standalone';
import { runScenario, ScenarioResult, violations } from '../../chaos/scenario';

// The reduced chaos run: 5,000 keyed messages through one unload burst and one SIGKILL +
// restart of a broker of its own (the shared one must not be killed under other tests).

describe('chaos (reduced): unload burst and SIGKILL + restart of a real standalone', function () {
  let broker: RestartableBroker | undefined;

  before(async function () {
    this.timeout(300_000);
    broker = await startRestartablePulsar({ namespaces: ['public/chaos'], deduplicated: ['public/chaos'], log: () => undefined });
  });

  after(async function () {
    this.timeout(60_000);
    await broker?.stop();
  });

  it('loses, duplicates and reorders nothing, and settles every send', async function () {
    this.timeout(300_000);
    const lines: string[] = [];
    let r: ScenarioResult;
    try {
      r = await runScenario(broker!, {
        name: 'ci',
        mode: 'batched',
        faults: [
          { kind: 'unload', at: 1000, forMs: 10_000, everyMs: 500 },
          { kind: 'kill', at: 4000 },
        ],
        partitions: 4,
        sendTimeoutMs: 30_000,
        run: crypto.randomBytes(3).toString('hex'),
        settleMs: 90_000,
        readIdleMs: 8_000,
        log: (l) => lines.push(l),
        // paced over 20 s so the burst and the kill both land while sends are in flight
        workload: { messages: 5000, keys: 100, inFlight: 1000, payloadBytes: 100, minDurationMs: 20_000, stallMs: 120_000, maxMs: 120_000 },
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${lines.join('\n')}`, { cause: err });
    }
    const why = `${violations(r).join(', ')}\n${lines.join('\n')}\n${JSON.stringify(r.verdict.examples)}`;
    expect(
      r.faults.map((f) => f.kind),
      why,
    ).to.deep.equal(['unload', 'kill']);
    expect(r.faults[0].unloads, why).to.be.greaterThan(0);
    expect(r.handed, why).to.equal(5000);
    expect(r.neverSettled, why).to.equal(0);
    expect(r.verdict.lost, why).to.equal(0);
    expect(r.verdict.duplicated, why).to.equal(0);
    expect(r.verdict.orderViolations, why).to.equal(0);
    expect(violations(r), why).to.deep.equal([]);
    // every resolved send was read back, once
    expect(r.verdict.read, why).to.be.at.least(r.resolved);
  });
});

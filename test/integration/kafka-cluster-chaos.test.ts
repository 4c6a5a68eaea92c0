import { expect } from 'chai';
import * as crypto from 'crypto';
import { consumerTable, runKafkaConsumerScenario } from '../../chaos/kafka-consumer-scenario';
import { KafkaMode, runKafkaScenario } from '../../chaos/kafka-scenario';
import { ScenarioResult, violations } from '../../chaos/scenario';
import { scenarioTable } from '../../chaos/table';
import { ownKafkaBroker } from '../support/kafka-broker';
import { expectConsumerProof } from '../support/kafka-consumer-chaos';

// The reduced Kafka chaos run on a 3-node KRaft cluster of its own (replication 3, min ISR 2),
// started once for the file: the producer through a SIGKILL of its busiest leader, then a consumer
// group through a SIGKILL of its coordinator. CORTADO_KAFKA_CLUSTER_TEST=1 runs the longer variant.

const LONG = process.env.CORTADO_KAFKA_CLUSTER_TEST === '1';
const PRODUCER = LONG
  ? { messages: 30_000, paceMs: 60_000, modes: ['unbatched', 'batched', 'batched+lz4'] as KafkaMode[] }
  : { messages: 6000, paceMs: 24_000, modes: ['unbatched'] as KafkaMode[] };
const CONSUMER = LONG ? { records: 30_000, perRecordMs: 1 } : { records: 6000, perRecordMs: 3 };

describe(`kafka chaos (reduced) on a 3-node cluster${LONG ? ' (the longer variant)' : ''}`, function () {
  // the restarted node takes its preferred leaderships back within 5 s: one more, graceful, leader move mid-stream
  const broker = ownKafkaBroker({ nodes: 3, config: { 'leader.imbalance.check.interval.seconds': '5' } });
  const run = crypto.randomBytes(3).toString('hex');

  for (const mode of PRODUCER.modes) {
    it(`producer (${mode}): keyed sends in flight through a SIGKILL + restart of the busiest leader: every send resolved, nothing lost or duplicated, per-key order kept`, async function () {
      // bounds that only catch a hang: the paced hand-over, the settle wait, the close and the Java read-back
      this.timeout(420_000);
      const n = PRODUCER.messages;
      const lines: string[] = [];
      let r: ScenarioResult;
      try {
        r = await runKafkaScenario(broker(), {
          name: 'ci-leader-kill',
          mode,
          // killed at a fifth of the paced hand-over, restarted at 35 %: the node is back and retakes its leaderships while sends go on
          faults: [{ kind: 'leader-kill', at: Math.floor(n * 0.2), restartAt: Math.floor(n * 0.35) }],
          partitions: 6,
          // generous: a send still unanswered after a minute is a hang, not slowness
          sendTimeoutMs: 60_000,
          run,
          settleMs: 90_000,
          readTimeoutMs: 90_000,
          recoveryWaitMs: 90_000,
          log: (l) => lines.push(l),
          workload: {
            messages: n,
            keys: 100,
            inFlight: 1000,
            payloadBytes: 100,
            minDurationMs: PRODUCER.paceMs,
            stallMs: 90_000,
            maxMs: 120_000,
          },
        });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${lines.join('\n')}`, { cause: err });
      }
      const why = `${violations(r).join(', ')}\n${lines.join('\n')}\n${scenarioTable([r])}\n${JSON.stringify(r.verdict.examples)}`;
      expect(
        r.faults.map((f) => f.kind),
        why,
      ).to.deep.equal(['leader-kill']);
      // the kill struck while sends were in flight: part of the workload was handed over after it
      expect(r.faults[0].at, why).to.be.below(n);
      expect(r.handed, why).to.equal(n);
      expect(r.neverSettled, why).to.equal(0);
      expect(r.rejectedBy, why).to.deep.equal({});
      expect(r.resolved, why).to.equal(n);
      expect(r.verdict.lost, why).to.equal(0);
      expect(r.verdict.duplicated, why).to.equal(0);
      expect(r.verdict.orderViolations, why).to.equal(0);
      expect(violations(r), why).to.deep.equal([]);
      // sends on the killed leader's partitions resolved again after the kill
      expect(r.faults[0].recoveryMs, why).to.be.a('number');
      // the Java consumer read exactly what was sent, and the log holds nothing else
      expect(r.verdict.read, why).to.equal(n);
      expect(r.verdict.read + r.verdict.others, why).to.equal(r.verdict.adminBacklog);
      console.log(`      ${scenarioTable([r]).split('\n').slice(2).join('\n')}`);
    });
  }

  it('consumer group: three member processes read a backlog through a SIGKILL + restart of the group coordinator: every record handled, committed to the end, order kept', async function () {
    this.timeout(300_000);
    const lines: string[] = [];
    const r = await runKafkaConsumerScenario(broker(), {
      fault: 'coordinator-kill',
      records: CONSUMER.records,
      partitions: 6,
      at: Math.floor(CONSUMER.records / 4),
      perRecordMs: CONSUMER.perRecordMs,
      sessionTimeoutMs: 6000,
      offsetCommitIntervalMs: 500,
      // batches of 100 records fetched a few at a time: the members still fetch, from moved leaders, after the kill
      backlogBatchMessages: 100,
      maxPartitionBytes: 1024,
      run,
      timeoutMs: 240_000,
      log: (l) => lines.push(l),
    });
    // the coordinator died mid-stream, not after the backlog was read
    expect(r.handledAtFault, consumerTable([r])).to.be.below(r.records);
    expectConsumerProof(r, lines);
  });
});

import { expect } from 'chai';
import * as crypto from 'crypto';
import { consumerTable, consumerViolations, ConsumerFault, runKafkaConsumerScenario } from '../../chaos/kafka-consumer-scenario';
import { ownKafkaBroker } from '../support/kafka-broker';

// The reduced Kafka consumer chaos run: a group of three member processes reading a 6,000-record
// backlog while one is SIGKILLed and replaced, then while the broker restarts (a broker of its own:
// the shared one must not be killed under other tests).

describe('kafka consumer chaos (reduced): a group of member processes through faults on a real single-node broker', function () {
  const broker = ownKafkaBroker({ nodes: 1 });
  const run = crypto.randomBytes(3).toString('hex');

  for (const fault of ['member-kill', 'broker-restart'] as ConsumerFault[]) {
    it(`${fault}: every record handled, duplicates within the uncommitted window, committed to the end, order kept`, async function () {
      this.timeout(240_000);
      const lines: string[] = [];
      const r = await runKafkaConsumerScenario(broker(), {
        fault,
        records: 6000,
        partitions: 6,
        at: 1500,
        perRecordMs: 2,
        sessionTimeoutMs: 6000,
        offsetCommitIntervalMs: 500,
        run,
        timeoutMs: 150_000,
        log: (l) => lines.push(l),
      });
      const why = `${consumerViolations(r).join(', ')}\n${lines.join('\n')}\n${consumerTable([r])}`;
      expect(r.handled, why).to.equal(6000);
      expect(r.lost, why).to.equal(0);
      expect(r.duplicates, why).to.be.at.most(r.uncommittedWindow);
      expect(r.afterEnd, why).to.equal(0);
      expect(r.orderViolations, why).to.equal(0);
      expect(consumerViolations(r), why).to.deep.equal([]);
      console.log(`      ${consumerTable([r]).split('\n').slice(2).join('\n')}`);
    });
  }
});

import * as crypto from 'crypto';
import { ConsumerFault, runKafkaConsumerScenario } from '../../chaos/kafka-consumer-scenario';
import { expectConsumerProof } from '../support/kafka-consumer-chaos';
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
      expectConsumerProof(r, lines);
    });
  }
});

import { expect } from 'chai';
import { consumerTable, consumerViolations, ConsumerScenarioResult } from '../../chaos/kafka-consumer-scenario';

/** The consumer chaos proof: every record handled, duplicates within the uncommitted window, committed to the end, order kept; prints the row. */
export function expectConsumerProof(r: ConsumerScenarioResult, lines: string[]): void {
  const why = `${consumerViolations(r).join(', ')}\n${lines.join('\n')}\n${consumerTable([r])}`;
  expect(r.handled, why).to.equal(r.records);
  expect(r.lost, why).to.equal(0);
  expect(r.duplicates, why).to.be.at.most(r.uncommittedWindow);
  expect(r.afterEnd, why).to.equal(0);
  expect(r.orderViolations, why).to.equal(0);
  expect(consumerViolations(r), why).to.deep.equal([]);
  console.log(`      ${consumerTable([r]).split('\n').slice(2).join('\n')}`);
}

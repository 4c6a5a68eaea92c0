import { expect } from 'chai';
import { platformaticRuns, SCENARIOS } from '../../../bench/kafka-bench';

describe('bench --backend kafka', () => {
  it('defect: the consume row ran the @platformatic/kafka driver, which only produces, so its consume cells measured writes', () => {
    const consume = SCENARIOS.filter((s) => s.consume);
    expect(consume.length).to.equal(1);
    expect(consume.map(platformaticRuns)).to.deep.equal([false]);
    expect(SCENARIOS.filter((s) => !s.consume).every(platformaticRuns)).to.equal(true);
  });
});

import { expect } from 'chai';
import * as sinon from 'sinon';
import { AckGroupingTracker } from '../../../../lib/pulsar/ack-grouping-tracker';
import type { MessageIdData } from '../../../../protocol/pulsar/proto';

const id = (entryId: number, ledgerId = 1): MessageIdData => ({ ledgerId, entryId });

function tracker(groupTimeMs = 100, maxGroupSize = 1000, rememberSent = 0) {
  const sent: Array<[boolean, string[]]> = [];
  let connected = true;
  const t = new AckGroupingTracker({ groupTimeMs, maxGroupSize, rememberSent }, (cumulative, ids) => {
    if (!connected) return false;
    sent.push([cumulative, ids.map((i) => `${i.ledgerId}:${i.entryId}`)]);
    return true;
  });
  return { t, sent, setConnected: (v: boolean) => (connected = v) };
}

describe('lib/ack-grouping-tracker', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('sends the acks of one group time in one command, each entry once', async () => {
    const { t, sent } = tracker();
    t.addIndividual([id(1), id(2)]);
    t.addIndividual([id(2), id(3, 2)]);
    await clock.tickAsync(99);
    expect(sent).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(sent).to.deep.equal([[false, ['1:1', '1:2', '2:3']]]);
  });

  it('sends at once when a group reaches its size limit', () => {
    const { t, sent } = tracker(100, 2);
    t.addIndividual([id(1), id(2)]);
    expect(sent).to.deep.equal([[false, ['1:1', '1:2']]]);
  });

  it('keeps acks while there is no connection and knows their redelivered copies until they are sent', async () => {
    const { t, sent, setConnected } = tracker();
    setConnected(false);
    t.addIndividual([id(5)]);
    await clock.tickAsync(500);
    expect(sent).to.deep.equal([]);
    expect(t.pending).to.equal(1);
    expect(t.isDuplicate(id(5))).to.equal(true);
    expect(t.isDuplicate(id(6))).to.equal(false);
    setConnected(true);
    t.flush();
    expect(sent).to.deep.equal([[false, ['1:5']]]);
    expect(t.pending).to.equal(0);
    expect(t.isDuplicate(id(5))).to.equal(false);
  });

  it('remembers the last rememberSent acks sent: a copy of one is a duplicate and its ack goes again; the oldest are forgotten', async () => {
    const { t, sent } = tracker(100, 1000, 3);
    t.addIndividual([id(1), id(2), id(3), id(4)]);
    await clock.tickAsync(100);
    expect(sent).to.deep.equal([[false, ['1:1', '1:2', '1:3', '1:4']]]);
    // the first of four went out of a memory of three
    expect(t.isDuplicate(id(1))).to.equal(false);
    expect(t.isDuplicate(id(3))).to.equal(true);
    expect(t.pending).to.equal(1);
    await clock.tickAsync(100);
    expect(sent[1]).to.deep.equal([false, ['1:3']]);
    expect(t.isDuplicate(id(4))).to.equal(true);
    t.clear();
    expect(t.isDuplicate(id(2))).to.equal(false);
  });

  it('a copy covered by a cumulative ack already sent sends that ack again', async () => {
    const { t, sent } = tracker();
    t.addCumulative(id(7));
    await clock.tickAsync(100);
    expect(t.isDuplicate(id(6))).to.equal(true);
    await clock.tickAsync(100);
    expect(sent).to.deep.equal([
      [true, ['1:7']],
      [true, ['1:7']],
    ]);
  });

  it('keeps the highest cumulative ack and treats everything up to it as acknowledged', async () => {
    const { t, sent } = tracker();
    t.addCumulative(id(7));
    t.addCumulative(id(3));
    await clock.tickAsync(100);
    expect(sent).to.deep.equal([[true, ['1:7']]]);
    expect(t.isDuplicate(id(7))).to.equal(true);
    expect(t.isDuplicate(id(8))).to.equal(false);
  });

  it('remembers which messages of a batch were acknowledged when the batch comes again', () => {
    const { t } = tracker();
    const first = t.batchState(id(9), 3);
    expect(t.ackBatchIndex(id(9), first, 0)).to.equal(false);
    expect(t.ackBatchIndex(id(9), first, 0)).to.equal(false);
    const again = t.batchState(id(9), 3);
    expect([...again.ackedIndexes]).to.deep.equal([0]);
    expect(t.ackBatchIndex(id(9), again, 1)).to.equal(false);
    expect(t.ackBatchIndex(id(9), again, 2)).to.equal(true);
    expect(t.batchState(id(9), 3).acked).to.equal(0);
  });

  it('ignores acks after close and stops its timer', async () => {
    const { t, sent } = tracker();
    t.addIndividual([id(1)]);
    t.close();
    t.addIndividual([id(2)]);
    await clock.tickAsync(1000);
    expect(sent).to.deep.equal([]);
  });
});

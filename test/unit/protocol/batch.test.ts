import { expect } from 'chai';
import { decodeBatch, encodeBatch } from '../../../protocol/batch';
import { FrameError } from '../../../protocol/frame-error';

describe('protocol/batch', () => {
  it('round-trips entries with their single-message metadata', () => {
    const entries = [
      { metadata: { payloadSize: 3, partitionKey: 'a', sequenceId: 10, properties: [{ key: 'x', value: 'y' }] }, payload: Buffer.from('one') },
      { metadata: { payloadSize: 0, nullValue: true, sequenceId: 11 }, payload: Buffer.alloc(0) },
      { metadata: { payloadSize: 5, eventTime: 42, orderingKey: Buffer.from('ok'), sequenceId: 12 }, payload: Buffer.from('three') },
    ];
    const body = encodeBatch(entries);
    const back = decodeBatch(body, 3);
    expect(back.map((e) => Buffer.from(e.payload).toString())).to.deep.equal(['one', '', 'three']);
    expect(back[0].metadata.partitionKey).to.equal('a');
    expect(back[0].metadata.properties![0]).to.include({ key: 'x', value: 'y' });
    expect(back[1].metadata.nullValue).to.equal(true);
    expect(back[2].metadata.eventTime).to.equal(42);
    expect(Buffer.from(back[2].metadata.orderingKey!).toString()).to.equal('ok');
    expect(back.map((e) => e.metadata.sequenceId)).to.deep.equal([10, 11, 12]);
  });

  it('refuses a batch shorter than its message count', () => {
    const body = encodeBatch([{ metadata: { payloadSize: 3 }, payload: Buffer.from('abc') }]);
    expect(() => decodeBatch(body, 2)).to.throw(FrameError, /ends before message 1/);
    expect(() => decodeBatch(body.subarray(0, body.length - 1), 1)).to.throw(FrameError, /overruns/);
  });
});

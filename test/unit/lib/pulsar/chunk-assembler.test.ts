import { expect } from 'chai';
import { ChunkAssembler } from '../../../../lib/pulsar/chunk-assembler';

const limits = { maxPendingMessages: 2, maxPendingBytes: 1000, expireMs: 1000 };
const md = (uuid: string, chunkId: number, num: number, total: number) => ({
  producerName: 'p',
  sequenceId: 1,
  publishTime: 1,
  uuid,
  chunkId,
  numChunksFromMsg: num,
  totalChunkMsgSize: total,
});
const id = (entryId: number) => ({ ledgerId: 1, entryId });

describe('lib/chunk-assembler', () => {
  it('joins chunks in order into the whole message', () => {
    const a = new ChunkAssembler(limits);
    expect(a.add(md('u', 0, 3, 6), id(0), Buffer.from('ab'))).to.deep.equal([{ kind: 'partial' }].slice(1));
    a.add(md('u', 1, 3, 6), id(1), Buffer.from('cd'));
    const [done] = a.add(md('u', 2, 3, 6), id(2), Buffer.from('ef'));
    expect(done.kind).to.equal('complete');
    if (done.kind === 'complete') {
      expect(Buffer.from(done.payload).toString()).to.equal('abcdef');
      expect(done.ids.map((i) => i.entryId)).to.deep.equal([0, 1, 2]);
    }
    expect(a.pendingMessages).to.equal(0);
    expect(a.pendingBytes).to.equal(0);
  });

  it('drops a message whose chunk went missing', () => {
    const a = new ChunkAssembler(limits);
    a.add(md('u', 0, 3, 6), id(0), Buffer.from('ab'));
    const [out] = a.add(md('u', 2, 3, 6), id(2), Buffer.from('ef'));
    expect(out.kind).to.equal('dropped');
    if (out.kind === 'dropped') {
      expect(out.reason).to.include('chunk 1 of u is missing');
      expect(out.ids.map((i) => i.entryId)).to.deep.equal([0, 2]);
    }
    expect(a.pendingMessages).to.equal(0);
  });

  it('drops a chunk that arrives without its first chunk', () => {
    const [out] = new ChunkAssembler(limits).add(md('v', 1, 2, 4), id(5), Buffer.from('xx'));
    expect(out.kind).to.equal('dropped');
  });

  it('bounds how many chunked messages and bytes wait at once', () => {
    const a = new ChunkAssembler(limits);
    a.add(md('a', 0, 2, 4), id(0), Buffer.from('aa'));
    a.add(md('b', 0, 2, 4), id(1), Buffer.from('bb'));
    const out = a.add(md('c', 0, 2, 4), id(2), Buffer.from('cc'));
    expect(out.map((o) => o.kind)).to.deep.equal(['dropped']);
    expect(a.pendingMessages).to.equal(2);
    const big = a.add(md('d', 0, 2, 2000), id(3), Buffer.alloc(999));
    expect(big.filter((o) => o.kind === 'dropped').length).to.be.at.least(1);
    expect(a.pendingBytes).to.be.at.most(1000);
  });

  it('expires messages whose chunks stopped coming', () => {
    const a = new ChunkAssembler(limits);
    a.add(md('old', 0, 2, 4), id(0), Buffer.from('aa'), 0);
    const out = a.expire(5000);
    expect(out).to.have.length(1);
    expect(a.pendingMessages).to.equal(0);
  });
});

import { expect } from 'chai';
import { ConsumerProtocol, KafkaProtocolError, Reader, Writer } from '../../../../protocol/kafka';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const encoded = (f: (w: Writer) => void): Buffer => {
  const w = new Writer();
  f(w);
  return w.finish();
};

describe('kafka consumer protocol', () => {
  it('writes a v1 subscription and assignment by hand', () => {
    const sub = { topics: ['t'], userData: null, ownedPartitions: [{ topic: 't', partitions: [2] }] };
    // version 1 | 1 topic 't' | user data null | 1 owned: 't' [2]
    expect(encoded((w) => ConsumerProtocol.encodeConsumerProtocolSubscription(w, sub))).to.deep.equal(
      hex('0001 00000001 000174 ffffffff 00000001 000174 00000001 00000002'),
    );
    const asg = { assignedPartitions: [{ topic: 't', partitions: [0, 1] }], userData: Buffer.from('u') };
    expect(encoded((w) => ConsumerProtocol.encodeConsumerProtocolAssignment(w, asg))).to.deep.equal(
      hex('0001 00000001 000174 00000002 00000000 00000001 00000001 75'),
    );
  });

  it('round-trips every subscription version and the assignment', () => {
    const sub = {
      topics: ['a', 'b'],
      userData: Buffer.from('ud'),
      ownedPartitions: [{ topic: 'a', partitions: [0, 3] }],
      generationId: 4,
      rackId: 'r1',
    };
    const back = (v: number): ConsumerProtocol.ConsumerProtocolSubscription => {
      const r = new Reader(encoded((w) => ConsumerProtocol.encodeConsumerProtocolSubscription(w, sub, v)));
      const s = ConsumerProtocol.decodeConsumerProtocolSubscription(r);
      expect(r.remaining).to.equal(0);
      return s;
    };
    expect(back(0)).to.deep.equal({ ...sub, ownedPartitions: [], generationId: -1, rackId: null });
    expect(back(1)).to.deep.equal({ ...sub, generationId: -1, rackId: null });
    expect(back(2)).to.deep.equal({ ...sub, rackId: null });
    expect(back(3)).to.deep.equal(sub);
    expect(() => encoded((w) => ConsumerProtocol.encodeConsumerProtocolSubscription(w, sub, 4))).to.throw(RangeError);

    const asg = {
      assignedPartitions: [
        { topic: 'a', partitions: [0] },
        { topic: 'b', partitions: [] },
      ],
      userData: null,
    };
    for (const v of [0, 1, 3]) {
      const bytes = encoded((w) => ConsumerProtocol.encodeConsumerProtocolAssignment(w, asg, v));
      expect(bytes.readInt16BE(0)).to.equal(v);
      expect(ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(bytes))).to.deep.equal(asg);
    }
  });

  it('reads a v3 subscription and assignment as the Java consumer writes them', () => {
    // version 3 | topics (sorted) 'a','b' | user data null | owned: 'a' [0, 1] | generation 7 | rack 'rack'
    const v3 = hex('0003 00000002 000161 000162 ffffffff 00000001 000161 00000002 00000000 00000001 00000007 0004 7261636b');
    expect(ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader(v3))).to.deep.equal({
      topics: ['a', 'b'],
      userData: null,
      ownedPartitions: [{ topic: 'a', partitions: [0, 1] }],
      generationId: 7,
      rackId: 'rack',
    });
    // Java's rack-less v3: rackId null
    const noRack = hex('0003 00000001 000161 00000000 00000000 ffffffff ffff');
    expect(ConsumerProtocol.decodeConsumerProtocolSubscription(new Reader(noRack))).to.deep.equal({
      topics: ['a'],
      userData: Buffer.alloc(0),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    // a future version reads as v3; what trails is left unread, as Java does
    const v9 = Buffer.concat([hex('0009'), v3.subarray(2), hex('deadbeef')]);
    const r = new Reader(v9);
    expect(ConsumerProtocol.decodeConsumerProtocolSubscription(r).rackId).to.equal('rack');
    expect(r.remaining).to.equal(4);
    const asg = hex('0003 00000001 000174 00000002 00000000 00000002 ffffffff');
    expect(ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(asg))).to.deep.equal({
      assignedPartitions: [{ topic: 't', partitions: [0, 2] }],
      userData: null,
    });
    expect(() => ConsumerProtocol.decodeConsumerProtocolAssignment(new Reader(hex('ffff')))).to.throw(KafkaProtocolError);
  });
});

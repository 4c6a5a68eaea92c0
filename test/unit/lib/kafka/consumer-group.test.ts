import { expect } from 'chai';
import * as sinon from 'sinon';
import type { DecodedRecord } from '../../../../protocol/kafka';
import type { GroupHooks } from '../../../../lib/core/backend';
import type { Message } from '../../../../lib/core/received-message';
import { KafkaConsumerSession, KafkaPartitionSource, recordToMessage } from '../../../../lib/kafka/consumer-session';
import { rangeAssign } from '../../../../lib/kafka/group-coordinator';
import { RecordMetadata } from '../../../../lib/kafka/record-metadata';

const record = (offset: number, key: string | null = `k${offset}`): DecodedRecord => ({
  offset: BigInt(offset),
  timestamp: 1_700_000_000_000 + offset,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(`v${offset}`),
  headers: [['h', Buffer.from('x')]],
});

// A session stand-in: what a source asks of its session (delivery tracking and the fetcher).
function fakeSession() {
  const delivered = new WeakMap<Message, unknown>();
  const kicks: number[] = [];
  return {
    kicks,
    session: {
      track: (m: Message, d: unknown) => delivered.set(m, d),
      deliveryOf: (m: Message) => delivered.get(m),
      fetcher: { kick: () => kicks.push(1), remove: () => undefined },
    } as unknown as KafkaConsumerSession,
  };
}

function source(nackDelayMs = 1000) {
  const got: Message[] = [];
  const hooks = { deliver: (_s: unknown, msgs: Message[]) => got.push(...msgs) } as unknown as GroupHooks;
  const f = fakeSession();
  const src = new KafkaPartitionSource('t', 0, f.session, hooks, nackDelayMs);
  src.position = 10;
  return { src, got, kicks: f.kicks };
}

describe('lib/kafka consumer group', () => {
  it('range-assigns each topic in runs of partitions to the members sorted by id, the first ones one more', () => {
    const plan = rangeAssign(
      [
        { memberId: 'b', topics: ['x', 'y'] },
        { memberId: 'a', topics: ['x', 'y'] },
        { memberId: 'c', topics: ['x'] },
      ],
      new Map([
        ['x', 7],
        ['y', 3],
      ]),
    );
    const of = (m: string, t: string) =>
      plan
        .get(m)!
        .filter((p) => p.topic === t)
        .map((p) => p.partition);
    expect(of('a', 'x')).to.deep.equal([0, 1, 2]);
    expect(of('b', 'x')).to.deep.equal([3, 4]);
    expect(of('c', 'x')).to.deep.equal([5, 6]);
    // c is not subscribed to y: a and b split it
    expect(of('a', 'y')).to.deep.equal([0, 1]);
    expect(of('b', 'y')).to.deep.equal([2]);
    expect(of('c', 'y')).to.deep.equal([]);
  });

  it('turns a record into the public Message shape', () => {
    const m = recordToMessage('t', 2, record(5));
    expect(m.messageId).to.be.instanceOf(RecordMetadata);
    expect(String(m.messageId)).to.equal('t-2@5');
    expect(m.key).to.equal('k5');
    expect(m.keyBytes!.toString()).to.equal('k5');
    expect(m.value.toString()).to.equal('v5');
    expect(m.nullValue).to.equal(false);
    expect(m.properties).to.deep.equal({ h: 'x' });
    expect(m.publishTime).to.equal(1_700_000_000_005);
    expect(m.eventTime).to.equal(1_700_000_000_005);
    expect([m.producerName, m.sequenceId, m.redeliveryCount]).to.deep.equal(['', -1, 0]);
    const n = recordToMessage('t', 0, { ...record(6, null), value: null });
    expect([n.key, n.keyBytes, n.nullValue, n.value.length]).to.deep.equal([undefined, undefined, true, 0]);
  });

  it("gives a message's key and value as views of the fetched record, not copies", () => {
    const fetched = Buffer.from('k7v7');
    const m = recordToMessage('t', 0, { ...record(7), key: fetched.subarray(0, 2), value: fetched.subarray(2) });
    expect(m.keyBytes!.buffer).to.equal(fetched.buffer);
    expect(m.value.buffer).to.equal(fetched.buffer);
    expect([m.key, m.value.toString()]).to.deep.equal(['k7', 'v7']);
    // the public shape carries no delivery bookkeeping
    expect(Object.keys(m)).to.not.include.members(['source', 'epoch']);
    expect(JSON.stringify(m)).to.not.match(/source|epoch/);
  });

  it("another session's message is not this session's, though both sources share the partition's name", () => {
    const { src, got } = source();
    src.receive([record(10)], 11);
    const other = source();
    other.src.receive([record(10)], 11);
    expect(src.handOver(other.got[0])).to.equal(false);
    src.ack(other.got[0]);
    expect(src.commitPoint).to.equal(10);
    expect(src.handOver(got[0])).to.equal(true);
  });

  it('in-order acks of many records move the commit point one by one, and an ack out of order waits for the gap', () => {
    const { src, got } = source();
    src.receive(
      Array.from({ length: 10_000 }, (_, i) => record(10 + i)),
      10_010,
    );
    for (let i = 0; i < 9_000; i++) src.ack(got[i]);
    expect(src.commitPoint).to.equal(9_010);
    src.ack(got[9_001]);
    expect(src.commitPoint).to.equal(9_010);
    src.ack(got[9_000]);
    expect(src.commitPoint).to.equal(9_012);
    for (let i = 9_002; i < 10_000; i++) src.ack(got[i]);
    expect(src.commitPoint).to.equal(10_010);
    src.receive([record(10_010)], 10_011);
    expect(src.commitPoint).to.equal(10_010);
    src.ack(got[10_000]);
    expect(src.commitPoint).to.equal(10_011);
  });

  it('commits up to the first record not acknowledged, and past everything once all are', () => {
    const { src, got } = source();
    src.receive(
      [10, 11, 12, 13].map((o) => record(o)),
      14,
    );
    expect(src.commitPoint).to.equal(10);
    src.ack(got[0]);
    src.ack(got[2]);
    expect(src.commitPoint).to.equal(11);
    src.ack(got[1]);
    expect(src.commitPoint).to.equal(13);
    src.ackCumulative(got[3]);
    expect(src.commitPoint).to.equal(14);
  });

  it('a nack seeks back to the record after the delay; what came after it goes stale', () => {
    const clock = sinon.useFakeTimers();
    try {
      const { src, got, kicks } = source(500);
      src.receive(
        [10, 11, 12].map((o) => record(o)),
        13,
      );
      expect(src.handOver(got[0])).to.equal(true);
      src.ack(got[0]);
      src.nack(got[1]);
      expect(src.position).to.equal(11);
      expect(src.commitPoint).to.equal(11);
      expect(src.fetchable).to.equal(false);
      expect(src.handOver(got[2])).to.equal(false);
      // a later nack of a record the seek already covers changes nothing
      src.nack(got[2]);
      expect(src.position).to.equal(11);
      clock.tick(500);
      expect(src.fetchable).to.equal(true);
      expect(kicks.length).to.be.greaterThan(0);
      src.receive(
        [11, 12].map((o) => record(o)),
        13,
      );
      expect(got.slice(3).map((m) => (m.messageId as RecordMetadata).offset)).to.deep.equal([11, 12]);
      expect(src.handOver(got[3])).to.equal(true);
    } finally {
      clock.restore();
    }
  });
});

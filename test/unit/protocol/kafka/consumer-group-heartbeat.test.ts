import { expect } from 'chai';
import { Reader, Writer } from '../../../../protocol/kafka';
import * as CGH from '../../../../protocol/kafka/consumer-group-heartbeat';

const hex = (s: string): string => s.replace(/\s+/g, '');
const ID = Buffer.alloc(16, 0xab);

describe('protocol/kafka ConsumerGroupHeartbeat v1 (KIP-848)', () => {
  it('writes the request field by field, nullable arrays as a zero length', () => {
    const w = new Writer();
    CGH.encodeConsumerGroupHeartbeatRequest(w, {
      groupId: 'g',
      memberId: 'm',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 300,
      subscribedTopicNames: ['t'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: [{ topicId: ID, partitions: [1, 2] }],
    });
    expect(w.finish().toString('hex')).to.equal(
      hex(`02 67  02 6d  00000000  00 00  0000012c  02 02 74  00 00
           02 ${'ab'.repeat(16)} 03 00000001 00000002 00  00`),
    );
    const leave = new Writer();
    CGH.encodeConsumerGroupHeartbeatRequest(leave, CGH.leaveRequest('g', 'm', null));
    expect(leave.finish().toString('hex')).to.equal(hex('02 67  02 6d  ffffffff  00 00  ffffffff  00 00 00 00  00'));
    expect(CGH.leaveRequest('g', 'm', 'i')).to.include({ memberEpoch: CGH.STATIC_LEAVE_EPOCH, instanceId: 'i' });
  });

  it('reads a response with an assignment (a nullable struct: 1 then the struct) and one without (-1)', () => {
    const withAssignment = Buffer.from(
      hex(`00000000 0000 00 02 6d 00000003 00001388  01  02 ${'ab'.repeat(16)} 02 00000005 00  00  00`),
      'hex',
    );
    const r = new Reader(withAssignment);
    expect(CGH.decodeConsumerGroupHeartbeatResponse(r)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      memberId: 'm',
      memberEpoch: 3,
      heartbeatIntervalMs: 5000,
      assignment: [{ topicId: ID, partitions: [5] }],
    });
    expect(r.remaining).to.equal(0);
    const fenced = new Reader(Buffer.from(hex('00000000 006e 00 00 ffffffff 00001388 ff 00'), 'hex'));
    expect(CGH.decodeConsumerGroupHeartbeatResponse(fenced)).to.include({
      errorCode: 110,
      memberId: null,
      memberEpoch: -1,
      assignment: null,
    });
    expect(fenced.remaining).to.equal(0);
  });
});

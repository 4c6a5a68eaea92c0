import { expect } from 'chai';
import { ApiKey, Reader, Writer } from '../../../../protocol/kafka';
import * as CGD from '../../../../protocol/kafka/consumer-group-describe';

const hex = (s: string): string => s.replace(/\s+/g, '');
const ID = Buffer.alloc(16, 0xab);

describe('protocol/kafka ConsumerGroupDescribe v1 (KIP-848)', () => {
  it('is api key 69, flexible, pinned at v1', () => {
    expect(ApiKey.ConsumerGroupDescribe).to.equal(69);
    expect([CGD.VERSION, CGD.FLEXIBLE]).to.deep.equal([1, true]);
  });

  it('writes the request: the group ids as a compact array, then the flag', () => {
    const w = new Writer();
    CGD.encodeConsumerGroupDescribeRequest(w, { groupIds: ['g', 'hh'], includeAuthorizedOperations: true });
    expect(w.finish().toString('hex')).to.equal(hex('03 02 67 03 6868  01  00'));
  });

  it('reads a described group (member, current and target assignment, member type, a tag it skips) and a GROUP_ID_NOT_FOUND one', () => {
    const bytes = Buffer.from(
      hex(`00000000  03
        0000 00 02 67 07 ${Buffer.from('Stable').toString('hex')} 00000005 00000004 08 ${Buffer.from('uniform').toString('hex')}
          02
            02 6d  02 69  00  00000005  02 63  03 2f68  02 02 74  00
            02 ${'ab'.repeat(16)} 02 74 03 00000000 00000002 00  00
            02 ${'ab'.repeat(16)} 02 74 04 00000000 00000002 00000003 00  00
            01
            01 05 02 abcd
          80000000 00
        0045 02 78 02 68 01 00000000 00000000 01 01 80000000 00
        00`),
      'hex',
    );
    const r = new Reader(bytes);
    expect(CGD.decodeConsumerGroupDescribeResponse(r)).to.deep.equal({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          errorMessage: null,
          groupId: 'g',
          groupState: 'Stable',
          groupEpoch: 5,
          assignmentEpoch: 4,
          assignorName: 'uniform',
          members: [
            {
              memberId: 'm',
              instanceId: 'i',
              rackId: null,
              memberEpoch: 5,
              clientId: 'c',
              clientHost: '/h',
              subscribedTopicNames: ['t'],
              subscribedTopicRegex: null,
              assignment: [{ topicId: ID, topicName: 't', partitions: [0, 2] }],
              targetAssignment: [{ topicId: ID, topicName: 't', partitions: [0, 2, 3] }],
              memberType: CGD.MEMBER_TYPE_CONSUMER,
            },
          ],
          authorizedOperations: -2147483648,
        },
        {
          errorCode: 69,
          errorMessage: 'x',
          groupId: 'h',
          groupState: '',
          groupEpoch: 0,
          assignmentEpoch: 0,
          assignorName: '',
          members: [],
          authorizedOperations: -2147483648,
        },
      ],
    });
    expect(r.remaining).to.equal(0);
  });
});

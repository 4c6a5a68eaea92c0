import { expect } from 'chai';
import {
  ApiKey,
  DescribeGroups,
  encodeRequest,
  Fetch,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  OffsetCommit,
  OffsetFetch,
  Reader,
  SyncGroup,
  Writer,
} from '../../../../protocol/kafka';

const hex = (s: string): string => s.replace(/\s+/g, '');
const body = (f: (w: Writer) => void): string => {
  const w = new Writer();
  f(w);
  return w.finish().toString('hex');
};
const read = <T>(decode: (r: Reader) => T, bytes: Buffer): T => {
  const r = new Reader(bytes);
  const out = decode(r);
  expect(r.remaining, 'bytes left over').to.equal(0);
  return out;
};
const B = (s: string): Buffer => Buffer.from(s);

describe('kafka consumer apis', () => {
  it('pins flexible versions as the schemas say', () => {
    const apis = [Fetch, ListOffsets, FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups];
    expect(apis.map((a) => a.VERSION)).to.deep.equal([12, 7, 4, 9, 5, 4, 5, 8, 8, 4]);
    expect(DescribeGroups.VERSION).to.equal(5);
    for (const api of [...apis, DescribeGroups]) expect(api.FLEXIBLE).to.equal(true);
  });

  it('Fetch v12 request by hand, with and without the clusterId tag', () => {
    const req: Fetch.FetchRequest = {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 0x100000,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 5n, partitionMaxBytes: 1024 }] }],
    };
    // replica -1 | maxWait | minBytes | maxBytes | isolation | session 0 | epoch -1 | 1 topic 't' | 1 partition:
    // index 0, leader epoch -1, offset 5, last fetched epoch -1, log start -1, max bytes | tags | tags |
    // no forgotten topics | rack '' | tags
    const common =
      'ffffffff 000001f4 00000001 00100000 01 00000000 ffffffff 02 0274 02 00000000 ffffffff 0000000000000005 ffffffff' +
      ' ffffffffffffffff 00000400 00 00 01 01';
    expect(body((w) => Fetch.encodeFetchRequest(w, req))).to.equal(hex(common + '00'));
    // one tag: 0, two bytes, compact string 'c'
    expect(body((w) => Fetch.encodeFetchRequest(w, { ...req, clusterId: 'c' }))).to.equal(hex(common + '01 00 02 0263'));
    expect(body((w) => Fetch.encodeFetchRequest(w, { ...req, clusterId: null }))).to.equal(hex(common + '01 00 01 00'));
    const forgot = body((w) =>
      Fetch.encodeFetchRequest(w, {
        ...req,
        topics: [],
        sessionId: 7,
        sessionEpoch: 2,
        forgottenTopicsData: [{ topic: 'u', partitions: [3] }],
      }),
    );
    expect(forgot).to.equal(hex('ffffffff 000001f4 00000001 00100000 01 00000007 00000002 01 02 0275 02 00000003 00 01 00'));
    const frame = encodeRequest(
      { apiKey: ApiKey.Fetch, apiVersion: Fetch.VERSION, correlationId: 9, clientId: null, flexible: true },
      (w) => Fetch.encodeFetchRequest(w, { ...req, topics: [] }),
    );
    expect(frame.subarray(4, 8).toString('hex')).to.equal('0001000c');
  });

  it('Fetch v12 response: aborted transactions, null records, a CurrentLeader tag and one it skips', () => {
    const records = Buffer.from('00010203', 'hex');
    const partition = (w: Writer, i: number): void => {
      w.int32(i)
        .int16(i === 0 ? 0 : 6)
        .int64(100n)
        .int64(90n)
        .int64(0n);
      if (i === 0) {
        w.compactArray([[7n, 80n]] as Array<[bigint, bigint]>, (w, [p, o]) => w.int64(p).int64(o).emptyTaggedFields())
          .int32(-1)
          .compactBytes(records)
          .emptyTaggedFields();
      } else {
        // tag 0 (DivergingEpoch, skipped) then tag 1 (CurrentLeader)
        w.compactArray(null, () => undefined)
          .int32(2)
          .compactBytes(null)
          .uvarint(2)
          .uvarint(0)
          .uvarint(13)
          .int32(1)
          .int64(2n)
          .uvarint(0)
          .uvarint(1)
          .uvarint(9)
          .int32(3)
          .int32(11)
          .uvarint(0);
      }
    };
    const res = new Writer()
      .int32(5)
      .int16(0)
      .int32(77)
      .compactArray(['t'], (w, t) => w.compactString(t).compactArray([0, 1], partition).emptyTaggedFields())
      .emptyTaggedFields()
      .finish();
    const f = read(Fetch.decodeFetchResponse, res);
    expect([f.throttleTimeMs, f.errorCode, f.sessionId, f.responses[0].topic]).to.deep.equal([5, 0, 77, 't']);
    const [p0, p1] = f.responses[0].partitions;
    expect(p0).to.deep.equal({
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 100n,
      lastStableOffset: 90n,
      logStartOffset: 0n,
      abortedTransactions: [{ producerId: 7n, firstOffset: 80n }],
      preferredReadReplica: -1,
      records,
    });
    expect(p1).to.deep.equal({
      partitionIndex: 1,
      errorCode: 6,
      highWatermark: 100n,
      lastStableOffset: 90n,
      logStartOffset: 0n,
      abortedTransactions: null,
      preferredReadReplica: 2,
      records: null,
      currentLeader: { leaderId: 3, leaderEpoch: 11 },
    });
  });

  it('ListOffsets v7', () => {
    expect(
      body((w) =>
        ListOffsets.encodeListOffsetsRequest(w, {
          isolationLevel: 0,
          topics: [{ name: 't', partitions: [{ partitionIndex: 2, timestamp: ListOffsets.EARLIEST_TIMESTAMP }] }],
        }),
      ),
    ).to.equal(hex('ffffffff 00 02 0274 02 00000002 ffffffff fffffffffffffffe 00 00 00'));
    const res = new Writer()
      .int32(0)
      .compactArray(['t'], (w, t) =>
        w
          .compactString(t)
          .compactArray([2], (w, p) => w.int32(p).int16(0).int64(-1n).int64(42n).int32(4).emptyTaggedFields())
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(ListOffsets.decodeListOffsetsResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 0, timestamp: -1n, offset: 42n, leaderEpoch: 4 }] }],
    });
  });

  it('FindCoordinator v4', () => {
    expect(body((w) => FindCoordinator.encodeFindCoordinatorRequest(w, { keyType: 0, coordinatorKeys: ['g'] }))).to.equal(
      hex('00 02 0267 00'),
    );
    const res = new Writer()
      .int32(0)
      .compactArray(['g', 'h'], (w, k) =>
        w
          .compactString(k)
          .int32(k === 'g' ? 1 : -1)
          .compactString(k === 'g' ? 'b1' : '')
          .int32(k === 'g' ? 9092 : -1)
          .int16(k === 'g' ? 0 : 15)
          .compactString(k === 'g' ? null : 'not available')
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(FindCoordinator.decodeFindCoordinatorResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      coordinators: [
        { key: 'g', nodeId: 1, host: 'b1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'h', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'not available' },
      ],
    });
  });

  it('JoinGroup v9 request by hand, and its response', () => {
    const req = {
      groupId: 'g',
      sessionTimeoutMs: 45000,
      rebalanceTimeoutMs: 300000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('0001', 'hex') }],
      reason: null,
    };
    // 'g' | 45000 | 300000 | member '' | instance null | 'consumer' | 1 protocol: 'range', 2 bytes, tags | reason null | tags
    expect(body((w) => JoinGroup.encodeJoinGroupRequest(w, req))).to.equal(
      hex('0267 0000afc8 000493e0 01 00 09 636f6e73756d6572 02 06 72616e6765 03 0001 00 00 00'),
    );
    expect(body((w) => JoinGroup.encodeJoinGroupRequest(w, { ...req, memberId: 'm', groupInstanceId: 'i', reason: 'r' }))).to.equal(
      hex('0267 0000afc8 000493e0 026d 0269 09 636f6e73756d6572 02 06 72616e6765 03 0001 00 0272 00'),
    );
    const res = new Writer()
      .int32(0)
      .int16(0)
      .int32(3)
      .compactString('consumer')
      .compactString('range')
      .compactString('m1')
      .bool(false)
      .compactString('m1')
      .compactArray(['m1', 'm2'], (w, m) =>
        w
          .compactString(m)
          .compactString(m === 'm2' ? 'static' : null)
          .compactBytes(B(m))
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(JoinGroup.decodeJoinGroupResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 3,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: 'm1',
      skipAssignment: false,
      memberId: 'm1',
      members: [
        { memberId: 'm1', groupInstanceId: null, metadata: B('m1') },
        { memberId: 'm2', groupInstanceId: 'static', metadata: B('m2') },
      ],
    });
    // MEMBER_ID_REQUIRED: null protocol, no members
    const required = new Writer()
      .int32(0)
      .int16(79)
      .int32(-1)
      .compactString(null)
      .compactString(null)
      .compactString('')
      .bool(false)
      .compactString('m-1')
      .compactArray([], () => undefined)
      .emptyTaggedFields()
      .finish();
    const j = read(JoinGroup.decodeJoinGroupResponse, required);
    expect([j.errorCode, j.protocolName, j.memberId, j.members]).to.deep.equal([79, null, 'm-1', []]);
  });

  it('SyncGroup v5', () => {
    expect(
      body((w) =>
        SyncGroup.encodeSyncGroupRequest(w, {
          groupId: 'g',
          generationId: 3,
          memberId: 'm',
          groupInstanceId: null,
          protocolType: 'consumer',
          protocolName: 'range',
          assignments: [{ memberId: 'm', assignment: Buffer.from('ab', 'hex') }],
        }),
      ),
    ).to.equal(hex('0267 00000003 026d 00 09 636f6e73756d6572 06 72616e6765 02 026d 02 ab 00 00'));
    const res = new Writer()
      .int32(0)
      .int16(0)
      .compactString('consumer')
      .compactString('range')
      .compactBytes(B('a'))
      .emptyTaggedFields()
      .finish();
    expect(read(SyncGroup.decodeSyncGroupResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: B('a'),
    });
  });

  it('Heartbeat v4 and LeaveGroup v5', () => {
    expect(
      body((w) => Heartbeat.encodeHeartbeatRequest(w, { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: 'i' })),
    ).to.equal(hex('0267 00000003 026d 0269 00'));
    expect(read(Heartbeat.decodeHeartbeatResponse, new Writer().int32(1).int16(27).emptyTaggedFields().finish())).to.deep.equal({
      throttleTimeMs: 1,
      errorCode: 27,
    });
    expect(
      body((w) =>
        LeaveGroup.encodeLeaveGroupRequest(w, { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null, reason: 'bye' }] }),
      ),
    ).to.equal(hex('0267 02 026d 00 04627965 00 00'));
    const res = new Writer()
      .int32(0)
      .int16(0)
      .compactArray(['m'], (w, m) => w.compactString(m).compactString(null).int16(25).emptyTaggedFields())
      .emptyTaggedFields()
      .finish();
    expect(read(LeaveGroup.decodeLeaveGroupResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: 25 }],
    });
  });

  it('OffsetCommit v8 request by hand, and its response', () => {
    const req = {
      groupId: 'g',
      generationIdOrMemberEpoch: 3,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 100n, committedMetadata: null }] }],
    };
    // 'g' | generation 3 | 'm' | instance null | 1 topic 't' | 1 partition: 1, offset 100, leader epoch -1, metadata null,
    // tags | tags | tags
    expect(body((w) => OffsetCommit.encodeOffsetCommitRequest(w, req))).to.equal(
      hex('0267 00000003 026d 00 02 0274 02 00000001 0000000000000064 ffffffff 00 00 00 00'),
    );
    const withEpoch = {
      ...req,
      topics: [{ name: 't', partitions: [{ ...req.topics[0].partitions[0], committedLeaderEpoch: 2, committedMetadata: '' }] }],
    };
    expect(body((w) => OffsetCommit.encodeOffsetCommitRequest(w, withEpoch))).to.equal(
      hex('0267 00000003 026d 00 02 0274 02 00000001 0000000000000064 00000002 01 00 00 00'),
    );
    const res = new Writer()
      .int32(0)
      .compactArray(['t'], (w, t) =>
        w
          .compactString(t)
          .compactArray([1, 2], (w, p) =>
            w
              .int32(p)
              .int16(p === 1 ? 0 : 22)
              .emptyTaggedFields(),
          )
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(OffsetCommit.decodeOffsetCommitResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 1, errorCode: 0 },
            { partitionIndex: 2, errorCode: 22 },
          ],
        },
      ],
    });
  });

  it('OffsetFetch v8', () => {
    expect(
      body((w) =>
        OffsetFetch.encodeOffsetFetchRequest(w, {
          groups: [
            { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] },
            { groupId: 'h', topics: null },
          ],
          requireStable: true,
        }),
      ),
    ).to.equal(hex('03 0267 02 0274 03 00000000 00000001 00 00 0268 00 00 01 00'));
    const res = new Writer()
      .int32(0)
      .compactArray(['g'], (w, g) =>
        w
          .compactString(g)
          .compactArray(['t'], (w, t) =>
            w
              .compactString(t)
              .compactArray([0, 1], (w, p) =>
                w
                  .int32(p)
                  .int64(p === 0 ? 10n : -1n)
                  .int32(p === 0 ? 2 : -1)
                  .compactString(p === 0 ? '' : null)
                  .int16(0)
                  .emptyTaggedFields(),
              )
              .emptyTaggedFields(),
          )
          .int16(0)
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(OffsetFetch.decodeOffsetFetchResponse, res)).to.deep.equal({
      throttleTimeMs: 0,
      groups: [
        {
          groupId: 'g',
          topics: [
            {
              name: 't',
              partitions: [
                { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 2, metadata: '', errorCode: 0 },
                { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 },
              ],
            },
          ],
          errorCode: 0,
        },
      ],
    });
  });

  it('ListGroups v4 and DescribeGroups v5', () => {
    expect(body((w) => ListGroups.encodeListGroupsRequest(w, { statesFilter: [] }))).to.equal('0100');
    expect(body((w) => ListGroups.encodeListGroupsRequest(w, { statesFilter: ['Stable'] }))).to.equal(hex('02 07537461626c65 00'));
    const lg = new Writer()
      .int32(0)
      .int16(0)
      .compactArray(['g'], (w, g) => w.compactString(g).compactString('consumer').compactString('Stable').emptyTaggedFields())
      .emptyTaggedFields()
      .finish();
    expect(read(ListGroups.decodeListGroupsResponse, lg)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable' }],
    });
    expect(body((w) => DescribeGroups.encodeDescribeGroupsRequest(w, { groups: ['g'], includeAuthorizedOperations: false }))).to.equal(
      hex('02 0267 00 00'),
    );
    const dg = new Writer()
      .int32(0)
      .compactArray(['g'], (w, g) =>
        w
          .int16(0)
          .compactString(g)
          .compactString('Stable')
          .compactString('consumer')
          .compactString('range')
          .compactArray(['m'], (w, m) =>
            w
              .compactString(m)
              .compactString(null)
              .compactString('cid')
              .compactString('/127.0.0.1')
              .compactBytes(B('sub'))
              .compactBytes(B('asg'))
              .emptyTaggedFields(),
          )
          .int32(-2147483648)
          .emptyTaggedFields(),
      )
      .emptyTaggedFields()
      .finish();
    expect(read(DescribeGroups.decodeDescribeGroupsResponse, dg)).to.deep.equal({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'm',
              groupInstanceId: null,
              clientId: 'cid',
              clientHost: '/127.0.0.1',
              memberMetadata: B('sub'),
              memberAssignment: B('asg'),
            },
          ],
          authorizedOperations: -2147483648,
        },
      ],
    });
  });
});

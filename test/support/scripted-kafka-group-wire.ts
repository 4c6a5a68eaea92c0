import type { Reader, Writer } from '../../protocol/kafka';
import type {
  Fetch,
  FindCoordinator,
  Heartbeat,
  JoinGroup,
  LeaveGroup,
  ListOffsets,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
} from '../../protocol/kafka';

// The broker's side of the consumer APIs at the versions cortado pins (all flexible): request bodies
// read, response bodies written, field for field as protocol/kafka's client halves write and read them.

const list = <T>(r: Reader, each: (r: Reader) => T): T[] =>
  r.compactArray((r) => {
    const v = each(r);
    r.skipTaggedFields();
    return v;
  }) ?? [];

const str = (r: Reader): string => r.compactString() ?? '';

export function decodeFetchRequest(r: Reader): Fetch.FetchRequest {
  const head = {
    replicaId: r.int32(),
    maxWaitMs: r.int32(),
    minBytes: r.int32(),
    maxBytes: r.int32(),
    isolationLevel: r.int8() as Fetch.IsolationLevel,
    sessionId: r.int32(),
    sessionEpoch: r.int32(),
  };
  const topics = list(r, (r) => ({
    topic: str(r),
    partitions: list(r, (r) => ({
      partition: r.int32(),
      currentLeaderEpoch: r.int32(),
      fetchOffset: r.int64(),
      lastFetchedEpoch: r.int32(),
      logStartOffset: r.int64(),
      partitionMaxBytes: r.int32(),
    })),
  }));
  const forgottenTopicsData = list(r, (r) => ({ topic: str(r), partitions: r.compactArray((r) => r.int32()) ?? [] }));
  const rackId = str(r);
  r.skipTaggedFields();
  return { ...head, topics, forgottenTopicsData, rackId };
}

export function encodeFetchResponse(w: Writer, res: Fetch.FetchResponse): void {
  w.int32(res.throttleTimeMs)
    .int16(res.errorCode)
    .int32(res.sessionId)
    .compactArray(res.responses, (w, t) =>
      w
        .compactString(t.topic)
        .compactArray(t.partitions, (w, p) => {
          w.int32(p.partitionIndex)
            .int16(p.errorCode)
            .int64(p.highWatermark)
            .int64(p.lastStableOffset)
            .int64(p.logStartOffset)
            .compactArray(p.abortedTransactions, (w, a) => w.int64(a.producerId).int64(a.firstOffset).emptyTaggedFields())
            .int32(p.preferredReadReplica)
            .compactBytes(p.records);
          if (!p.currentLeader) return w.emptyTaggedFields();
          // one tag: 1 (CurrentLeader), 8 bytes of leader id and epoch
          w.uvarint(1).uvarint(1).uvarint(8).int32(p.currentLeader.leaderId).int32(p.currentLeader.leaderEpoch);
        })
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeListOffsetsRequest(r: Reader): ListOffsets.ListOffsetsRequest {
  const replicaId = r.int32();
  const isolationLevel = r.int8();
  const topics = list(r, (r) => ({
    name: str(r),
    partitions: list(r, (r) => ({ partitionIndex: r.int32(), currentLeaderEpoch: r.int32(), timestamp: r.int64() })),
  }));
  r.skipTaggedFields();
  return { replicaId, isolationLevel, topics };
}

export function encodeListOffsetsResponse(w: Writer, res: ListOffsets.ListOffsetsResponse): void {
  w.int32(res.throttleTimeMs)
    .compactArray(res.topics, (w, t) =>
      w
        .compactString(t.name)
        .compactArray(t.partitions, (w, p) =>
          w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset).int32(p.leaderEpoch).emptyTaggedFields(),
        )
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeFindCoordinatorRequest(r: Reader): FindCoordinator.FindCoordinatorRequest {
  const keyType = r.int8();
  const coordinatorKeys = r.compactArray(str) ?? [];
  r.skipTaggedFields();
  return { keyType, coordinatorKeys };
}

export function encodeFindCoordinatorResponse(w: Writer, res: FindCoordinator.FindCoordinatorResponse): void {
  w.int32(res.throttleTimeMs)
    .compactArray(res.coordinators, (w, c) =>
      w
        .compactString(c.key)
        .int32(c.nodeId)
        .compactString(c.host)
        .int32(c.port)
        .int16(c.errorCode)
        .compactString(c.errorMessage)
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeJoinGroupRequest(r: Reader): JoinGroup.JoinGroupRequest {
  const req = {
    groupId: str(r),
    sessionTimeoutMs: r.int32(),
    rebalanceTimeoutMs: r.int32(),
    memberId: str(r),
    groupInstanceId: r.compactString(),
    protocolType: str(r),
    protocols: list(r, (r) => ({ name: str(r), metadata: r.compactBytes() ?? Buffer.alloc(0) })),
    reason: r.compactString(),
  };
  r.skipTaggedFields();
  return req;
}

export function encodeJoinGroupResponse(w: Writer, res: JoinGroup.JoinGroupResponse): void {
  w.int32(res.throttleTimeMs)
    .int16(res.errorCode)
    .int32(res.generationId)
    .compactString(res.protocolType)
    .compactString(res.protocolName)
    .compactString(res.leader)
    .bool(res.skipAssignment)
    .compactString(res.memberId)
    .compactArray(res.members, (w, m) =>
      w.compactString(m.memberId).compactString(m.groupInstanceId).compactBytes(m.metadata).emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeSyncGroupRequest(r: Reader): SyncGroup.SyncGroupRequest {
  const req = {
    groupId: str(r),
    generationId: r.int32(),
    memberId: str(r),
    groupInstanceId: r.compactString(),
    protocolType: r.compactString(),
    protocolName: r.compactString(),
    assignments: list(r, (r) => ({ memberId: str(r), assignment: r.compactBytes() ?? Buffer.alloc(0) })),
  };
  r.skipTaggedFields();
  return req;
}

export function encodeSyncGroupResponse(w: Writer, res: SyncGroup.SyncGroupResponse): void {
  w.int32(res.throttleTimeMs)
    .int16(res.errorCode)
    .compactString(res.protocolType)
    .compactString(res.protocolName)
    .compactBytes(res.assignment)
    .emptyTaggedFields();
}

export function decodeHeartbeatRequest(r: Reader): Heartbeat.HeartbeatRequest {
  const req = { groupId: str(r), generationId: r.int32(), memberId: str(r), groupInstanceId: r.compactString() };
  r.skipTaggedFields();
  return req;
}

export function encodeHeartbeatResponse(w: Writer, res: Heartbeat.HeartbeatResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode).emptyTaggedFields();
}

export function decodeLeaveGroupRequest(r: Reader): LeaveGroup.LeaveGroupRequest {
  const groupId = str(r);
  const members = list(r, (r) => ({ memberId: str(r), groupInstanceId: r.compactString(), reason: r.compactString() }));
  r.skipTaggedFields();
  return { groupId, members };
}

export function encodeLeaveGroupResponse(w: Writer, res: LeaveGroup.LeaveGroupResponse): void {
  w.int32(res.throttleTimeMs)
    .int16(res.errorCode)
    .compactArray(res.members, (w, m) =>
      w.compactString(m.memberId).compactString(m.groupInstanceId).int16(m.errorCode).emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeOffsetCommitRequest(r: Reader): OffsetCommit.OffsetCommitRequest {
  const head = { groupId: str(r), generationIdOrMemberEpoch: r.int32(), memberId: str(r), groupInstanceId: r.compactString() };
  const topics = list(r, (r) => ({
    name: str(r),
    partitions: list(r, (r) => ({
      partitionIndex: r.int32(),
      committedOffset: r.int64(),
      committedLeaderEpoch: r.int32(),
      committedMetadata: r.compactString(),
    })),
  }));
  r.skipTaggedFields();
  return { ...head, topics };
}

export function encodeOffsetCommitResponse(w: Writer, res: OffsetCommit.OffsetCommitResponse): void {
  w.int32(res.throttleTimeMs)
    .compactArray(res.topics, (w, t) =>
      w
        .compactString(t.name)
        .compactArray(t.partitions, (w, p) => w.int32(p.partitionIndex).int16(p.errorCode).emptyTaggedFields())
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

export function decodeOffsetFetchRequest(r: Reader): OffsetFetch.OffsetFetchRequest {
  const groups = list(r, (r) => ({
    groupId: str(r),
    topics: r.compactArray((r) => {
      const t = { name: str(r), partitionIndexes: r.compactArray((r) => r.int32()) ?? [] };
      r.skipTaggedFields();
      return t;
    }),
  }));
  const requireStable = r.bool();
  r.skipTaggedFields();
  return { groups, requireStable };
}

export function encodeOffsetFetchResponse(w: Writer, res: OffsetFetch.OffsetFetchResponse): void {
  w.int32(res.throttleTimeMs)
    .compactArray(res.groups, (w, g) =>
      w
        .compactString(g.groupId)
        .compactArray(g.topics, (w, t) =>
          w
            .compactString(t.name)
            .compactArray(t.partitions, (w, p) =>
              w
                .int32(p.partitionIndex)
                .int64(p.committedOffset)
                .int32(p.committedLeaderEpoch)
                .compactString(p.metadata)
                .int16(p.errorCode)
                .emptyTaggedFields(),
            )
            .emptyTaggedFields(),
        )
        .int16(g.errorCode)
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

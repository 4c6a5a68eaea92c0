import type { Reader } from './reader';
import type { Writer } from './writer';

// ConsumerGroupDescribe (key 69) v1: a KIP-848 consumer group's state, epochs and members, each with its
// subscription and its current and target assignments (topics by id and by name). The request of v1 is
// that of v0; the response adds each member's type (KIP-1099: a classic member of a consumer group).
// A classic group, or none, answers GROUP_ID_NOT_FOUND.

export const VERSION = 1;
export const FLEXIBLE = true;

/** MemberType: a member that joined with ConsumerGroupHeartbeat, or with JoinGroup (a classic member). */
export const MEMBER_TYPE_UNKNOWN = -1;
export const MEMBER_TYPE_CLASSIC = 0;
export const MEMBER_TYPE_CONSUMER = 1;

export interface ConsumerGroupDescribeRequest {
  groupIds: string[];
  includeAuthorizedOperations: boolean;
}

export interface ConsumerGroupDescribeTopicPartitions {
  /** 16 bytes */
  topicId: Buffer;
  topicName: string;
  partitions: number[];
}

export interface ConsumerGroupDescribeMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  /** what the member owns now */
  assignment: ConsumerGroupDescribeTopicPartitions[];
  /** what the broker's assignor wants it to own */
  targetAssignment: ConsumerGroupDescribeTopicPartitions[];
  /** MEMBER_TYPE_* */
  memberType: number;
}

export interface ConsumerGroupDescribeGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  /** Empty, Assigning, Reconciling, Stable, Dead */
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: ConsumerGroupDescribeMember[];
  /** -2147483648 unless asked for */
  authorizedOperations: number;
}

export interface ConsumerGroupDescribeResponse {
  throttleTimeMs: number;
  groups: ConsumerGroupDescribeGroup[];
}

// ConsumerGroupDescribeRequest v1 => GroupIds:compact[compact_string] IncludeAuthorizedOperations:bool TaggedFields
export function encodeConsumerGroupDescribeRequest(w: Writer, req: ConsumerGroupDescribeRequest): void {
  w.compactArray(req.groupIds, (w, g) => w.compactString(g))
    .bool(req.includeAuthorizedOperations)
    .emptyTaggedFields();
}

// Assignment => TopicPartitions:compact[TopicId:uuid TopicName:compact_string Partitions:compact[int32] TaggedFields] TaggedFields
const readAssignment = (r: Reader): ConsumerGroupDescribeTopicPartitions[] => {
  const tps =
    r.compactArray((r): ConsumerGroupDescribeTopicPartitions => {
      const tp = { topicId: r.uuid(), topicName: r.compactString() ?? '', partitions: r.compactArray((r) => r.int32()) ?? [] };
      r.skipTaggedFields();
      return tp;
    }) ?? [];
  r.skipTaggedFields();
  return tps;
};

// Member v1 => MemberId:compact_string InstanceId:compact_nullable_string RackId:compact_nullable_string
//   MemberEpoch:int32 ClientId:compact_string ClientHost:compact_string SubscribedTopicNames:compact[compact_string]
//   SubscribedTopicRegex:compact_nullable_string Assignment TargetAssignment MemberType:int8 TaggedFields
const readMember = (r: Reader): ConsumerGroupDescribeMember => {
  const m = {
    memberId: r.compactString() ?? '',
    instanceId: r.compactString(),
    rackId: r.compactString(),
    memberEpoch: r.int32(),
    clientId: r.compactString() ?? '',
    clientHost: r.compactString() ?? '',
    subscribedTopicNames: r.compactArray((r) => r.compactString() ?? '') ?? [],
    subscribedTopicRegex: r.compactString(),
    assignment: readAssignment(r),
    targetAssignment: readAssignment(r),
    memberType: r.int8(),
  };
  r.skipTaggedFields();
  return m;
};

// ConsumerGroupDescribeResponse v1 => ThrottleTimeMs:int32
//   Groups:compact[ErrorCode:int16 ErrorMessage:compact_nullable_string GroupId:compact_string GroupState:compact_string
//     GroupEpoch:int32 AssignmentEpoch:int32 AssignorName:compact_string Members:compact[Member]
//     AuthorizedOperations:int32 TaggedFields]
//   TaggedFields
export function decodeConsumerGroupDescribeResponse(r: Reader): ConsumerGroupDescribeResponse {
  const throttleTimeMs = r.int32();
  const groups =
    r.compactArray((r): ConsumerGroupDescribeGroup => {
      const g = {
        errorCode: r.int16(),
        errorMessage: r.compactString(),
        groupId: r.compactString() ?? '',
        groupState: r.compactString() ?? '',
        groupEpoch: r.int32(),
        assignmentEpoch: r.int32(),
        assignorName: r.compactString() ?? '',
        members: r.compactArray(readMember) ?? [],
        authorizedOperations: r.int32(),
      };
      r.skipTaggedFields();
      return g;
    }) ?? [];
  r.skipTaggedFields();
  return { throttleTimeMs, groups };
}

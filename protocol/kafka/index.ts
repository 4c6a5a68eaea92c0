// The Kafka wire: bytes only. Each api's VERSION and FLEXIBLE live in its namespace (Metadata.VERSION, ...);
// its encoder, decoder and types are also exported by name.

export { Writer } from './writer';
export { Reader } from './reader';
export { KafkaProtocolError } from './errors';
export { ApiKey, apiKeyName, type ApiKeyName } from './api-keys';
export { ERROR_CODE, kafkaErrorOf, type KafkaErrorCode, type KafkaErrorName } from './error-codes';
export {
  encodeRequest,
  encodeRequestParts,
  readResponseHeader,
  responseHeaderFlexible,
  ResponseFramer,
  DEFAULT_MAX_RESPONSE_SIZE,
  type RequestHeader,
} from './frame';
export {
  encodeRecordBatch,
  restampRecordBatch,
  decodeRecordBatches,
  type RecordInput,
  type RecordBatchInput,
  type DecodedBatch,
  type DecodedRecord,
} from './record-batch';
export {
  loadKafkaCodec,
  compressionOfAttribute,
  COMPRESSION_ATTRIBUTE,
  MAX_DECOMPRESSED,
  type KafkaCompression,
  type KafkaCodec,
} from './compression';
export { xxh32 } from './xxhash32';
export { lz4FrameCompress, lz4FrameDecompress } from './lz4-frame';
export { snappyXerialCompress, snappyXerialDecompress } from './snappy-xerial';

export * as ApiVersions from './api-versions';
export * as Metadata from './metadata';
export * as Produce from './produce';
export * as InitProducerId from './init-producer-id';
export * as CreateTopics from './create-topics';
export * as CreatePartitions from './create-partitions';
export * as DeleteTopics from './delete-topics';
export * as SaslHandshake from './sasl-handshake';
export * as SaslAuthenticate from './sasl-authenticate';
export * as Fetch from './fetch';
export * as ListOffsets from './list-offsets';
export * as FindCoordinator from './find-coordinator';
export * as JoinGroup from './join-group';
export * as SyncGroup from './sync-group';
export * as Heartbeat from './heartbeat';
export * as LeaveGroup from './leave-group';
export * as OffsetCommit from './offset-commit';
export * as OffsetFetch from './offset-fetch';
export * as ListGroups from './list-groups';
export * as DescribeGroups from './describe-groups';
export * as ConsumerProtocol from './consumer-protocol';

export {
  encodeApiVersionsRequest,
  decodeApiVersionsResponse,
  encodeApiVersionsRequestV0,
  decodeApiVersionsResponseV0,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  type ApiVersion,
} from './api-versions';
export {
  encodeMetadataRequest,
  decodeMetadataResponse,
  type MetadataRequest,
  type MetadataRequestTopic,
  type MetadataResponse,
  type MetadataBroker,
  type MetadataTopic,
  type MetadataPartition,
} from './metadata';
export {
  encodeProduceRequest,
  decodeProduceResponse,
  type ProduceRequest,
  type ProduceTopicData,
  type ProducePartitionData,
  type ProduceResponse,
  type ProduceTopicResponse,
  type ProducePartitionResponse,
  type ProduceRecordError,
} from './produce';
export {
  encodeInitProducerIdRequest,
  decodeInitProducerIdResponse,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from './init-producer-id';
export {
  encodeCreateTopicsRequest,
  decodeCreateTopicsResponse,
  type CreateTopicsRequest,
  type CreatableTopic,
  type CreatableTopicConfig,
  type CreatableReplicaAssignment,
  type CreateTopicsResponse,
  type CreatableTopicResult,
  type CreatableTopicConfigs,
} from './create-topics';
export {
  encodeCreatePartitionsRequest,
  decodeCreatePartitionsResponse,
  type CreatePartitionsRequest,
  type CreatePartitionsTopic,
  type CreatePartitionsAssignment,
  type CreatePartitionsResponse,
  type CreatePartitionsTopicResult,
} from './create-partitions';
export {
  encodeDeleteTopicsRequest,
  decodeDeleteTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicState,
  type DeleteTopicsResponse,
  type DeletableTopicResult,
} from './delete-topics';
export {
  encodeSaslHandshakeRequest,
  decodeSaslHandshakeResponse,
  type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from './sasl-handshake';
export {
  encodeSaslAuthenticateRequest,
  decodeSaslAuthenticateResponse,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
} from './sasl-authenticate';
export {
  encodeFetchRequest,
  decodeFetchResponse,
  type IsolationLevel,
  type FetchRequest,
  type FetchTopic,
  type FetchPartition,
  type ForgottenTopic,
  type FetchResponse,
  type FetchableTopicResponse,
  type FetchPartitionData,
  type FetchAbortedTransaction,
  type FetchLeaderIdAndEpoch,
} from './fetch';
export {
  encodeListOffsetsRequest,
  decodeListOffsetsResponse,
  type ListOffsetsRequest,
  type ListOffsetsTopic,
  type ListOffsetsPartition,
  type ListOffsetsResponse,
  type ListOffsetsTopicResponse,
  type ListOffsetsPartitionResponse,
} from './list-offsets';
export {
  encodeFindCoordinatorRequest,
  decodeFindCoordinatorResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type Coordinator,
} from './find-coordinator';
export {
  encodeJoinGroupRequest,
  decodeJoinGroupResponse,
  type JoinGroupRequest,
  type JoinGroupRequestProtocol,
  type JoinGroupResponse,
  type JoinGroupResponseMember,
} from './join-group';
export {
  encodeSyncGroupRequest,
  decodeSyncGroupResponse,
  type SyncGroupRequest,
  type SyncGroupRequestAssignment,
  type SyncGroupResponse,
} from './sync-group';
export { encodeHeartbeatRequest, decodeHeartbeatResponse, type HeartbeatRequest, type HeartbeatResponse } from './heartbeat';
export {
  encodeLeaveGroupRequest,
  decodeLeaveGroupResponse,
  type LeaveGroupRequest,
  type MemberIdentity,
  type LeaveGroupResponse,
  type LeaveGroupMemberResponse,
} from './leave-group';
export {
  encodeOffsetCommitRequest,
  decodeOffsetCommitResponse,
  type OffsetCommitRequest,
  type OffsetCommitRequestTopic,
  type OffsetCommitRequestPartition,
  type OffsetCommitResponse,
  type OffsetCommitResponseTopic,
  type OffsetCommitResponsePartition,
} from './offset-commit';
export {
  encodeOffsetFetchRequest,
  decodeOffsetFetchResponse,
  type OffsetFetchRequest,
  type OffsetFetchRequestGroup,
  type OffsetFetchRequestTopics,
  type OffsetFetchResponse,
  type OffsetFetchResponseGroup,
  type OffsetFetchResponseTopics,
  type OffsetFetchResponsePartitions,
} from './offset-fetch';
export {
  encodeListGroupsRequest,
  decodeListGroupsResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type ListedGroup,
} from './list-groups';
export {
  encodeDescribeGroupsRequest,
  decodeDescribeGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type DescribedGroup,
  type DescribedGroupMember,
} from './describe-groups';
export {
  encodeConsumerProtocolSubscription,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  decodeConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolTopicPartitions,
} from './consumer-protocol';

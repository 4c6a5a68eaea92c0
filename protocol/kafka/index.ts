// The Kafka wire: bytes only. Each api's VERSION and FLEXIBLE live in its namespace (Metadata.VERSION, ...);
// its encoder, decoder and types are also exported by name.

export { Writer } from './writer';
export { Reader } from './reader';
export { KafkaProtocolError } from './errors';
export { ApiKey, apiKeyName, type ApiKeyName } from './api-keys';
export { kafkaErrorOf, type KafkaErrorCode } from './error-codes';
export {
  encodeRequest,
  readResponseHeader,
  responseHeaderFlexible,
  ResponseFramer,
  DEFAULT_MAX_RESPONSE_SIZE,
  type RequestHeader,
} from './frame';
export {
  encodeRecordBatch,
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

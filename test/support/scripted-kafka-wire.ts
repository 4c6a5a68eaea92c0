import { ApiKey, MetadataResponse, ProduceResponse, Reader, Writer } from '../../protocol/kafka';
import type { ApiVersionsResponse, InitProducerIdResponse } from '../../protocol/kafka';

// The broker's side of the Kafka wire, which protocol/kafka (a client) does not need: request
// headers and bodies read, response bodies written, at the versions cortado pins (and ApiVersions v0).

export interface ScriptedRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  flexible: boolean;
}

// the first flexible version of each api the peer reads (its schema's "flexibleVersions")
const FIRST_FLEXIBLE: Record<number, number> = {
  [ApiKey.Produce]: 9,
  [ApiKey.Metadata]: 9,
  [ApiKey.ApiVersions]: 3,
  [ApiKey.InitProducerId]: 2,
  [ApiKey.Fetch]: 12,
  [ApiKey.ListOffsets]: 6,
  [ApiKey.FindCoordinator]: 3,
  [ApiKey.JoinGroup]: 6,
  [ApiKey.SyncGroup]: 4,
  [ApiKey.Heartbeat]: 4,
  [ApiKey.LeaveGroup]: 4,
  [ApiKey.OffsetCommit]: 8,
  [ApiKey.OffsetFetch]: 6,
};

/** Whether an api version uses request header v2 and compact fields; unknown apis count as not flexible. */
export function isFlexible(apiKey: number, apiVersion: number): boolean {
  const first = FIRST_FLEXIBLE[apiKey];
  return first !== undefined && apiVersion >= first;
}

// RequestHeader v1/v2 => ApiKey:int16 ApiVersion:int16 CorrelationId:int32 ClientId:nullable_string [TaggedFields (v2)]
export function readRequestHeader(r: Reader): ScriptedRequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string();
  const flexible = isFlexible(apiKey, apiVersion);
  if (flexible) r.skipTaggedFields();
  return { apiKey, apiVersion, correlationId, clientId, flexible };
}

// ---- request bodies ----

export interface ApiVersionsRequestBody {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export function decodeApiVersionsRequest(r: Reader, version: number): ApiVersionsRequestBody {
  if (version < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
  const body = { clientSoftwareName: r.compactString(), clientSoftwareVersion: r.compactString() };
  r.skipTaggedFields();
  return body;
}

export interface MetadataRequestBody {
  /** null: every topic */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

// MetadataRequest v12 => Topics:compact_nullable[TopicId:uuid Name:compact_nullable_string TaggedFields] AllowAuto:bool IncludeOps:bool TaggedFields
export function decodeMetadataRequest(r: Reader): MetadataRequestBody {
  const topics = r.compactArray((r) => {
    r.uuid();
    const name = r.compactString() ?? '';
    r.skipTaggedFields();
    return name;
  });
  const allowAutoTopicCreation = r.bool();
  r.bool();
  r.skipTaggedFields();
  return { topics, allowAutoTopicCreation };
}

export interface InitProducerIdRequestBody {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: bigint;
  producerEpoch: number;
}

// InitProducerIdRequest v4 => TransactionalId:compact_nullable_string TransactionTimeoutMs:int32 ProducerId:int64 ProducerEpoch:int16 TaggedFields
export function decodeInitProducerIdRequest(r: Reader): InitProducerIdRequestBody {
  const body = { transactionalId: r.compactString(), transactionTimeoutMs: r.int32(), producerId: r.int64(), producerEpoch: r.int16() };
  r.skipTaggedFields();
  return body;
}

export interface ProduceRequestBody {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }>;
}

// ProduceRequest v9 => TransactionalId Acks:int16 TimeoutMs:int32 TopicData:compact[Name PartitionData:compact[Index Records TaggedFields] TaggedFields] TaggedFields
export function decodeProduceRequest(r: Reader): ProduceRequestBody {
  const transactionalId = r.compactString();
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topicData =
    r.compactArray((r) => {
      const name = r.compactString() ?? '';
      const partitionData =
        r.compactArray((r) => {
          const p = { index: r.int32(), records: r.compactBytes() };
          r.skipTaggedFields();
          return p;
        }) ?? [];
      r.skipTaggedFields();
      return { name, partitionData };
    }) ?? [];
  r.skipTaggedFields();
  return { transactionalId, acks, timeoutMs, topicData };
}

// ---- response bodies ----

// ApiVersionsResponse v3 => ErrorCode ApiKeys:compact[ApiKey MinVersion MaxVersion TaggedFields] ThrottleTimeMs TaggedFields; v0 has plain arrays, no throttle
export function encodeApiVersionsResponse(w: Writer, version: number, res: ApiVersionsResponse): void {
  w.int16(res.errorCode);
  if (version < 3) {
    w.array(res.apiKeys, (w, a) => w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion));
    if (version >= 1) w.int32(res.throttleTimeMs);
    return;
  }
  w.compactArray(res.apiKeys, (w, a) => w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion).emptyTaggedFields())
    .int32(res.throttleTimeMs)
    .emptyTaggedFields();
}

const ZERO_UUID = new Uint8Array(16);

// MetadataResponse v12, field for field as decodeMetadataResponse reads it
export function encodeMetadataResponse(w: Writer, res: MetadataResponse): void {
  const int32s = (w: Writer, xs: number[]) => w.compactArray(xs, (w, x) => w.int32(x));
  w.int32(res.throttleTimeMs)
    .compactArray(res.brokers, (w, b) => w.int32(b.nodeId).compactString(b.host).int32(b.port).compactString(b.rack).emptyTaggedFields())
    .compactString(res.clusterId)
    .int32(res.controllerId)
    .compactArray(res.topics, (w, t) =>
      w
        .int16(t.errorCode)
        .compactString(t.name)
        .uuid(t.topicId.length === 16 ? t.topicId : ZERO_UUID)
        .bool(t.isInternal)
        .compactArray(t.partitions, (w, p) => {
          w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId).int32(p.leaderEpoch);
          int32s(w, p.replicaNodes);
          int32s(w, p.isrNodes);
          int32s(w, p.offlineReplicas);
          w.emptyTaggedFields();
        })
        .int32(t.topicAuthorizedOperations)
        .emptyTaggedFields(),
    )
    .emptyTaggedFields();
}

// InitProducerIdResponse v4 => ThrottleTimeMs ErrorCode ProducerId:int64 ProducerEpoch:int16 TaggedFields
export function encodeInitProducerIdResponse(w: Writer, res: InitProducerIdResponse): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch).emptyTaggedFields();
}

// ProduceResponse v9, field for field as decodeProduceResponse reads it
export function encodeProduceResponse(w: Writer, res: ProduceResponse): void {
  w.compactArray(res.responses, (w, t) =>
    w
      .compactString(t.name)
      .compactArray(t.partitionResponses, (w, p) =>
        w
          .int32(p.index)
          .int16(p.errorCode)
          .int64(p.baseOffset)
          .int64(p.logAppendTimeMs)
          .int64(p.logStartOffset)
          .compactArray(p.recordErrors, (w, e) => w.int32(e.batchIndex).compactString(e.batchIndexErrorMessage).emptyTaggedFields())
          .compactString(p.errorMessage)
          .emptyTaggedFields(),
      )
      .emptyTaggedFields(),
  )
    .int32(res.throttleTimeMs)
    .emptyTaggedFields();
}

/** A whole response frame: size, correlation id, tagged fields when `flexibleHeader` (never for ApiVersions), body. */
export function encodeResponseFrame(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): Buffer {
  const w = new Writer();
  const size = w.reserveInt32();
  w.int32(correlationId);
  if (flexibleHeader) w.emptyTaggedFields();
  body(w);
  w.patchInt32(size, w.length - 4);
  return Buffer.from(w.finish());
}

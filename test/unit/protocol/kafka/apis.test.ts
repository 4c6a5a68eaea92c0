import { expect } from 'chai';
import {
  ApiKey,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteTopics,
  encodeRequest,
  InitProducerId,
  kafkaErrorOf,
  Metadata,
  Produce,
  Reader,
  SaslAuthenticate,
  SaslHandshake,
  Writer,
} from '../../../../protocol/kafka';

const hex = (s: string): string => s.replace(/\s+/g, '');
const body = (f: (w: Writer) => void): string => {
  const w = new Writer();
  f(w);
  return w.finish().toString('hex');
};
const ID = Buffer.alloc(16, 0xab);

describe('kafka apis', () => {
  it('pins versions that are flexible where the schemas say', () => {
    expect([ApiVersions.VERSION, Metadata.VERSION, Produce.VERSION, InitProducerId.VERSION, CreateTopics.VERSION]).to.deep.equal([
      3, 12, 9, 4, 7,
    ]);
    expect([CreatePartitions.VERSION, DeleteTopics.VERSION, SaslHandshake.VERSION, SaslAuthenticate.VERSION]).to.deep.equal([3, 6, 1, 2]);
    expect(SaslHandshake.FLEXIBLE).to.equal(false);
    for (const api of [ApiVersions, Metadata, Produce, InitProducerId, CreateTopics, CreatePartitions, DeleteTopics, SaslAuthenticate]) {
      expect(api.FLEXIBLE).to.equal(true);
    }
  });

  it('ApiVersions v3 request, whole frame, by hand', () => {
    const frame = encodeRequest({ apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'c', flexible: true }, (w) =>
      ApiVersions.encodeApiVersionsRequest(w, { clientSoftwareName: 'ab', clientSoftwareVersion: '1' }),
    );
    // size 18 | key 18 | version 3 | correlation 1 | client id 'c' | header tags | 'ab' | '1' | body tags
    expect(frame.toString('hex')).to.equal(hex('00000012 0012 0003 00000001 000163 00 036162 0231 00'));
  });

  it('ApiVersions v3 and v0 responses', () => {
    const v3 = new Writer()
      .int16(0)
      .compactArray([[18, 0, 4]], (w, [k, a, b]) => w.int16(k).int16(a).int16(b).emptyTaggedFields())
      .int32(5)
      // a supported-features tag the decoder skips
      .uvarint(1)
      .uvarint(0)
      .uvarint(2)
      .raw(Buffer.from([1, 0]))
      .finish();
    expect(ApiVersions.decodeApiVersionsResponse(new Reader(v3))).to.deep.equal({
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 5,
    });
    const v0 = new Writer()
      .int16(35)
      .array([[18, 0, 2]], (w, [k, a, b]) => w.int16(k).int16(a).int16(b))
      .finish();
    expect(ApiVersions.decodeApiVersionsResponseV0(new Reader(v0))).to.deep.equal({
      errorCode: 35,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
      throttleTimeMs: 0,
    });
    expect(body((w) => ApiVersions.encodeApiVersionsRequestV0(w))).to.equal('');
  });

  it('Metadata v12 request by hand', () => {
    expect(body((w) => Metadata.encodeMetadataRequest(w, { topics: [{ name: 't' }], allowAutoTopicCreation: false }))).to.equal(
      hex('02' + '00'.repeat(16) + '0274 00  00 00 00'),
    );
    expect(body((w) => Metadata.encodeMetadataRequest(w, { topics: null, allowAutoTopicCreation: true }))).to.equal('00010000');
    const frame = encodeRequest({ apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 2, clientId: null, flexible: true }, (w) =>
      Metadata.encodeMetadataRequest(w, { topics: [], allowAutoTopicCreation: false }),
    );
    expect(frame.toString('hex')).to.equal(hex('0000000f 0003 000c 00000002 ffff 00 01 00 00 00'));
  });

  it('Metadata v12 response', () => {
    const w = new Writer()
      .int32(0)
      .compactArray([1], (w, id) => w.int32(id).compactString('h').int32(9092).compactString(null).emptyTaggedFields())
      .compactString('cluster')
      .int32(1)
      .compactArray([0], (w) =>
        w
          .int16(0)
          .compactString('t')
          .uuid(ID)
          .bool(false)
          .compactArray([0], (w, p) =>
            w
              .int16(0)
              .int32(p)
              .int32(1)
              .int32(3)
              .compactArray([1, 2], (w, n) => w.int32(n))
              .compactArray([1], (w, n) => w.int32(n))
              .compactArray([], (w, n: number) => w.int32(n))
              .emptyTaggedFields(),
          )
          .int32(-2147483648)
          .emptyTaggedFields(),
      )
      .emptyTaggedFields();
    const r = new Reader(w.finish());
    const m = Metadata.decodeMetadataResponse(r);
    expect(r.remaining).to.equal(0);
    expect(m.brokers).to.deep.equal([{ nodeId: 1, host: 'h', port: 9092, rack: null }]);
    expect([m.clusterId, m.controllerId]).to.deep.equal(['cluster', 1]);
    expect(m.topics[0].topicId.equals(ID)).to.equal(true);
    expect(m.topics[0].partitions).to.deep.equal([
      { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [] },
    ]);
  });

  it('Produce v9 request and response', () => {
    const records = Buffer.from('0102', 'hex');
    expect(
      body((w) =>
        Produce.encodeProduceRequest(w, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 1000,
          topicData: [{ name: 't', partitionData: [{ index: 2, records }] }],
        }),
      ),
    ).to.equal(hex('00 ffff 000003e8 02 0274 02 00000002 03 0102 00 00 00'));
    const res = new Writer()
      .compactArray([0], (w) =>
        w
          .compactString('t')
          .compactArray([0], (w) =>
            w
              .int32(2)
              .int16(0)
              .int64(42n)
              .int64(-1n)
              .int64(0n)
              .compactArray([[0, 'bad']] as Array<[number, string]>, (w, [i, m]) => w.int32(i).compactString(m).emptyTaggedFields())
              .compactString(null)
              .emptyTaggedFields(),
          )
          .emptyTaggedFields(),
      )
      .int32(0)
      .emptyTaggedFields()
      .finish();
    expect(Produce.decodeProduceResponse(new Reader(res))).to.deep.equal({
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 2,
              errorCode: 0,
              baseOffset: 42n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'bad' }],
              errorMessage: null,
            },
          ],
        },
      ],
      throttleTimeMs: 0,
    });
  });

  it('InitProducerId v4', () => {
    expect(
      body((w) =>
        InitProducerId.encodeInitProducerIdRequest(w, {
          transactionalId: null,
          transactionTimeoutMs: 60000,
          producerId: -1n,
          producerEpoch: -1,
        }),
      ),
    ).to.equal(hex('00 0000ea60 ffffffffffffffff ffff 00'));
    const res = new Writer().int32(0).int16(0).int64(1234n).int16(0).emptyTaggedFields().finish();
    expect(InitProducerId.decodeInitProducerIdResponse(new Reader(res))).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: 1234n,
      producerEpoch: 0,
    });
  });

  it('CreateTopics v7', () => {
    expect(
      body((w) =>
        CreateTopics.encodeCreateTopicsRequest(w, {
          topics: [{ name: 't', numPartitions: 3, replicationFactor: -1, assignments: [], configs: [{ name: 'a', value: null }] }],
          timeoutMs: 5,
          validateOnly: false,
        }),
      ),
    ).to.equal(hex('02 0274 00000003 ffff 01 02 0261 00 00 00 00000005 00 00'));
    const res = new Writer()
      .int32(0)
      .compactArray([0], (w) =>
        w
          .compactString('t')
          .uuid(ID)
          .int16(36)
          .compactString('exists')
          .int32(3)
          .int16(1)
          .compactArray([0], (w) => w.compactString('c').compactString('v').bool(false).int8(5).bool(false).emptyTaggedFields())
          // tag 0: TopicConfigErrorCode
          .uvarint(1)
          .uvarint(0)
          .uvarint(2)
          .int16(0),
      )
      .emptyTaggedFields()
      .finish();
    const t = CreateTopics.decodeCreateTopicsResponse(new Reader(res)).topics[0];
    expect(t.topicId.equals(ID)).to.equal(true);
    expect({ ...t, topicId: null }).to.deep.equal({
      name: 't',
      topicId: null,
      errorCode: 36,
      errorMessage: 'exists',
      numPartitions: 3,
      replicationFactor: 1,
      configs: [{ name: 'c', value: 'v', readOnly: false, configSource: 5, isSensitive: false }],
    });
  });

  it('CreatePartitions v3', () => {
    expect(
      body((w) =>
        CreatePartitions.encodeCreatePartitionsRequest(w, {
          topics: [{ name: 't', count: 4, assignments: null }],
          timeoutMs: 5,
          validateOnly: true,
        }),
      ),
    ).to.equal(hex('02 0274 00000004 00 00 00000005 01 00'));
    const res = new Writer()
      .int32(0)
      .compactArray([0], (w) => w.compactString('t').int16(37).compactString(null).emptyTaggedFields())
      .emptyTaggedFields()
      .finish();
    expect(CreatePartitions.decodeCreatePartitionsResponse(new Reader(res))).to.deep.equal({
      throttleTimeMs: 0,
      results: [{ name: 't', errorCode: 37, errorMessage: null }],
    });
  });

  it('DeleteTopics v6', () => {
    expect(body((w) => DeleteTopics.encodeDeleteTopicsRequest(w, { topics: [{ name: 't' }], timeoutMs: 5 }))).to.equal(
      hex('02 0274' + '00'.repeat(16) + '00 00000005 00'),
    );
    const res = new Writer()
      .int32(0)
      .compactArray([0], (w) => w.compactString('t').uuid(ID).int16(3).compactString(null).emptyTaggedFields())
      .emptyTaggedFields()
      .finish();
    const d = DeleteTopics.decodeDeleteTopicsResponse(new Reader(res));
    expect(d.responses[0].name).to.equal('t');
    expect(d.responses[0].errorCode).to.equal(3);
  });

  it('SaslHandshake v1 and SaslAuthenticate v2', () => {
    expect(body((w) => SaslHandshake.encodeSaslHandshakeRequest(w, { mechanism: 'PLAIN' }))).to.equal('0005504c41494e');
    const hs = new Writer()
      .int16(33)
      .array(['PLAIN', 'SCRAM-SHA-256'], (w, m) => w.string(m))
      .finish();
    expect(SaslHandshake.decodeSaslHandshakeResponse(new Reader(hs))).to.deep.equal({
      errorCode: 33,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256'],
    });
    expect(body((w) => SaslAuthenticate.encodeSaslAuthenticateRequest(w, { authBytes: Buffer.from('ab') }))).to.equal('03616200');
    const au = new Writer().int16(0).compactString(null).compactBytes(Buffer.from('x')).int64(3600000n).emptyTaggedFields().finish();
    const a = SaslAuthenticate.decodeSaslAuthenticateResponse(new Reader(au));
    expect([a.errorCode, a.errorMessage, a.authBytes.toString(), a.sessionLifetimeMs]).to.deep.equal([0, null, 'x', 3600000n]);
  });

  it('names error codes and their retriability as the Java client does', () => {
    expect(kafkaErrorOf(-1)).to.deep.equal({ code: -1, name: 'UNKNOWN_SERVER_ERROR', retriable: false });
    expect(kafkaErrorOf(6)).to.deep.equal({ code: 6, name: 'NOT_LEADER_OR_FOLLOWER', retriable: true });
    expect(kafkaErrorOf(19).retriable).to.equal(true);
    expect(kafkaErrorOf(20).name).to.equal('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
    expect(kafkaErrorOf(10)).to.deep.equal({ code: 10, name: 'MESSAGE_TOO_LARGE', retriable: false });
    expect(kafkaErrorOf(45).name).to.equal('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(kafkaErrorOf(59)).to.deep.equal({ code: 59, name: 'UNKNOWN_PRODUCER_ID', retriable: false });
    expect(kafkaErrorOf(58).name).to.equal('SASL_AUTHENTICATION_FAILED');
    expect(kafkaErrorOf(2).retriable).to.equal(true);
    for (let c = -1; c <= 128; c++) expect(kafkaErrorOf(c).name, `code ${c}`).to.match(/^[A-Z][A-Z_0-9]+$/);
    expect(kafkaErrorOf(9999).name).to.equal('UNKNOWN_9999');
  });
});

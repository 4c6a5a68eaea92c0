import { expect } from 'chai';
import { messageMetadataSize, metadataHandEncodable, writeMessageMetadata } from '../../../../protocol/pulsar/message-metadata';
import { cortado } from '../../../../protocol/pulsar/generated/pulsar';
import { decodeMessageMetadata, encodeMessageMetadata, type MessageMetadata } from '../../../../protocol/pulsar/proto';

const viaProtobufjs = (md: MessageMetadata) => Buffer.from(cortado.pulsar.MessageMetadata.encode(md).finish());

// random values over every field, big numbers and non-ASCII text included (no lone surrogates, which protobufjs writes unlike Buffer)
function randomMetadata(next: () => number, i: number): MessageMetadata {
  const pick = <T>(v: T): T | undefined => (next() < 0.5 ? v : undefined);
  const text = () => ['', 'k', `key-${i}`, 'héllo wörld', '€uro ключ 😃', 'x'.repeat(70), 'é'.repeat(90)][Math.floor(next() * 7)];
  const big = () =>
    [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 1_700_000_000_000, Number.MAX_SAFE_INTEGER][Math.floor(next() * 11)];
  const int32 = () => [0, 1, 127, 128, 16384, 2 ** 31 - 1][Math.floor(next() * 6)];
  return {
    producerName: text(),
    sequenceId: big(),
    publishTime: big(),
    properties: pick(Array.from({ length: Math.floor(next() * 3) }, () => ({ key: text(), value: text() }))),
    replicatedFrom: pick(text()),
    partitionKey: pick(text()),
    replicateTo: pick(Array.from({ length: Math.floor(next() * 3) }, text)),
    compression: pick(Math.floor(next() * 5)),
    uncompressedSize: pick([0, 300, 2 ** 32 - 1][Math.floor(next() * 3)]),
    numMessagesInBatch: pick(int32()),
    eventTime: pick(big()),
    schemaVersion: pick(Buffer.from(text())),
    partitionKeyB64Encoded: pick(next() < 0.5),
    orderingKey: pick(Buffer.from(text())),
    deliverAtTime: pick(big()),
    markerType: pick(int32()),
    highestSequenceId: pick(big()),
    nullValue: pick(next() < 0.5),
    uuid: pick(text()),
    numChunksFromMsg: pick(int32()),
    totalChunkMsgSize: pick(int32()),
    chunkId: pick(int32()),
    nullPartitionKey: pick(next() < 0.5),
  };
}

describe('protocol/message-metadata: hand-written MessageMetadata', () => {
  it('writes every field byte for byte as protobufjs does', () => {
    let s = 11;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let i = 0; i < 2000; i++) {
      const md = randomMetadata(next, i);
      expect(metadataHandEncodable(md)).to.equal(true);
      const buf = Buffer.alloc(messageMetadataSize(md));
      const end = writeMessageMetadata(buf, 0, md);
      const expected = viaProtobufjs(md);
      expect(end, JSON.stringify(md)).to.equal(expected.length);
      expect(buf.equals(expected), JSON.stringify(md)).to.equal(true);
    }
  });

  it('reads back what it wrote, for a producer send as the client makes it', () => {
    const md: MessageMetadata = {
      producerName: 'standalone-0-7',
      sequenceId: 41,
      publishTime: 1_763_900_000_000,
      partitionKey: 'k7',
      numMessagesInBatch: 127,
      highestSequenceId: 167,
      compression: 1,
      uncompressedSize: 131_000,
    };
    expect(decodeMessageMetadata(encodeMessageMetadata(md))).to.include(md);
  });

  it("leaves values outside its fields' ranges to protobufjs, which writes them as the reference does", () => {
    const odd: MessageMetadata[] = [
      { producerName: 'p', sequenceId: 1, publishTime: 2, eventTime: -5 },
      { producerName: 'p', sequenceId: 1, publishTime: 2, numMessagesInBatch: 2 ** 31 },
      { producerName: 'p', sequenceId: 1.5, publishTime: 2 },
      { producerName: 'p', sequenceId: 1, publishTime: 2, uncompressedSize: 2 ** 32 },
    ];
    for (const md of odd) {
      expect(metadataHandEncodable(md), JSON.stringify(md)).to.equal(false);
      expect(Buffer.from(encodeMessageMetadata(md)).equals(viaProtobufjs(md))).to.equal(true);
    }
  });
});

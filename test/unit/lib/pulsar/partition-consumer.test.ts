import { expect } from 'chai';
import * as sinon from 'sinon';
import { encodePayloadFrame, decodeFrame } from '../../../../protocol/pulsar/frame';
import { CommandType, encodeMessageMetadata, MessageMetadata } from '../../../../protocol/pulsar/proto';
import { CompressionType, loadCodec } from '../../../../protocol/compression';
import { parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { PartitionConsumer, ConsumerContext } from '../../../../lib/pulsar/partition-consumer';
import type { Message } from '../../../../lib/pulsar/received-message';

// Feeds crafted MESSAGE frames straight into a partition consumer: the decode paths a broker
// never exercises on purpose (bad checksums, corrupt payloads, lost chunks).
function harness() {
  const delivered: Message[] = [];
  const skipped: string[] = [];
  const ctx = {
    config: parseConsumerConfig({ subscription: 's', maxPendingChunkedMessages: 2 }, {}),
    subType: 0,
    deliver: (_pc: PartitionConsumer, ms: Message[]) => void delivered.push(...ms),
    skip: (_pc: PartitionConsumer, reason: string) => void skipped.push(reason),
    endOfTopic: sinon.fake(),
  } as unknown as ConsumerContext;
  const pc = new PartitionConsumer('t', 't', 0, ctx);
  const feed = (md: MessageMetadata, payload: Uint8Array, entryId: number, corrupt = false) => {
    const [h, p] = encodePayloadFrame(
      { type: CommandType.MESSAGE, message: { consumerId: pc.consumerId, messageId: { ledgerId: 1, entryId } } },
      encodeMessageMetadata(md),
      payload,
    );
    const bytes = Buffer.concat([h, p]);
    if (corrupt) bytes[bytes.length - 1] ^= 1;
    const f = decodeFrame(bytes, 4, bytes.length);
    pc.onMessage(f.command, f.payload!);
  };
  return { pc, feed, delivered, skipped };
}

const base = { producerName: 'p', sequenceId: 0, publishTime: 1 };

describe('lib/partition-consumer decoding', () => {
  before(async () => {
    await loadCodec(CompressionType.LZ4);
  });

  it('delivers a valid message', () => {
    const h = harness();
    h.feed({ ...base, partitionKey: 'k' }, Buffer.from('v'), 0);
    expect(h.delivered.map((m) => m.value.toString())).to.deep.equal(['v']);
    expect(h.delivered[0].key).to.equal('k');
  });

  it('skips an entry with a bad checksum and keeps going', () => {
    const h = harness();
    h.feed(base, Buffer.from('broken'), 0, true);
    h.feed(base, Buffer.from('fine'), 1);
    expect(h.skipped[0]).to.include('CRC-32C');
    expect(h.delivered.map((m) => m.value.toString())).to.deep.equal(['fine']);
  });

  it('skips a payload that does not decompress', () => {
    const h = harness();
    h.feed({ ...base, compression: CompressionType.LZ4, uncompressedSize: 1000 }, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]), 0);
    h.feed(base, Buffer.from('next'), 1);
    expect(h.skipped[0]).to.include('does not decompress');
    expect(h.delivered.map((m) => m.value.toString())).to.deep.equal(['next']);
  });

  it('reports a chunk sequence with a missing chunk and still assembles the next message', () => {
    const h = harness();
    const chunk = (uuid: string, chunkId: number, data: string, entryId: number) =>
      h.feed({ ...base, uuid, chunkId, numChunksFromMsg: 3, totalChunkMsgSize: 6 }, Buffer.from(data), entryId);
    chunk('a', 0, 'ab', 0);
    chunk('a', 2, 'ef', 1);
    expect(h.skipped[0]).to.include('missing');
    chunk('b', 0, 'ab', 2);
    chunk('b', 1, 'cd', 3);
    chunk('b', 2, 'ef', 4);
    expect(h.delivered.map((m) => m.value.toString())).to.deep.equal(['abcdef']);
  });
});

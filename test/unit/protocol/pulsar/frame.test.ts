import { expect } from 'chai';
import { connectFrame, PING_FRAME, sendFrame } from '../../../../protocol/pulsar/commands';
import { crc32c } from '../../../../protocol/crc32c';
import { decodeFrame, encodePayloadFrame, FrameDecoder, FrameError, MAGIC_BROKER_ENTRY_METADATA } from '../../../../protocol/pulsar/frame';
import { CommandType, decodeMessageMetadata, encodeMessageMetadata } from '../../../../protocol/pulsar/proto';

function joined(parts: Buffer | [Buffer, Uint8Array]): Buffer {
  return Buffer.isBuffer(parts) ? parts : Buffer.concat([parts[0], parts[1]]);
}

describe('protocol/frame', () => {
  const metadata = encodeMessageMetadata({ producerName: 'p', sequenceId: 7, publishTime: 1700000000000, partitionKey: 'k' });
  const payload = Buffer.from('hello pulsar');

  it('round-trips a simple command', () => {
    const bytes = connectFrame({ clientVersion: 'cortado-test' });
    expect(bytes.readUInt32BE(0)).to.equal(bytes.length - 4);
    const f = decodeFrame(bytes, 4, bytes.length);
    expect(f.command.type).to.equal(CommandType.CONNECT);
    expect(f.command.connect.clientVersion).to.equal('cortado-test');
    expect(f.command.connect.protocolVersion).to.equal(21);
    expect(f.payload).to.equal(undefined);
  });

  it('round-trips a payload command with a CRC-32C over metadata size, metadata and payload', () => {
    const parts = sendFrame({ producerId: 3, sequenceId: 7 }, metadata, payload);
    expect(parts[1]).to.equal(payload); // payload is not copied
    const bytes = joined(parts);
    expect(bytes.readUInt32BE(0)).to.equal(bytes.length - 4);
    const f = decodeFrame(bytes, 4, bytes.length);
    expect(f.command.type).to.equal(CommandType.SEND);
    expect(f.command.send.producerId).to.equal(3);
    expect(f.command.send.sequenceId).to.equal(7);
    expect(f.payload!.hasChecksum).to.equal(true);
    expect(f.payload!.checksumOk).to.equal(true);
    expect(Buffer.from(f.payload!.payload).toString()).to.equal('hello pulsar');
    const md = decodeMessageMetadata(f.payload!.metadata);
    expect(md.sequenceId).to.equal(7);
    expect(md.partitionKey).to.equal('k');
    // the checksum field sits right after the magic and covers everything after itself
    const cmdSize = bytes.readUInt32BE(4);
    const magicAt = 8 + cmdSize;
    expect(bytes.readUInt16BE(magicAt)).to.equal(0x0e01);
    expect(bytes.readUInt32BE(magicAt + 2)).to.equal(crc32c(bytes, magicAt + 6, bytes.length));
  });

  it('detects a checksum mismatch', () => {
    const bytes = joined(sendFrame({ producerId: 1, sequenceId: 1 }, metadata, payload));
    bytes[bytes.length - 1] ^= 0xff;
    const f = decodeFrame(bytes, 4, bytes.length);
    expect(f.payload!.checksumOk).to.equal(false);
  });

  it('skips broker entry metadata before the checksum part', () => {
    const [header, body] = encodePayloadFrame(
      { type: CommandType.MESSAGE, message: { consumerId: 1, messageId: { ledgerId: 1, entryId: 2 } } },
      metadata,
      payload,
    );
    const cmdSize = header.readUInt32BE(4);
    const bem = Buffer.from([0x08, 0x01]); // broker_timestamp = 1
    const extra = Buffer.alloc(6);
    extra.writeUInt16BE(MAGIC_BROKER_ENTRY_METADATA, 0);
    extra.writeUInt32BE(bem.length, 2);
    const bytes = Buffer.concat([header.subarray(0, 8 + cmdSize), extra, bem, header.subarray(8 + cmdSize), body]);
    bytes.writeUInt32BE(bytes.length - 4, 0);
    const f = decodeFrame(bytes, 4, bytes.length);
    expect(Buffer.from(f.payload!.brokerEntryMetadata!)).to.deep.equal(bem);
    expect(f.payload!.checksumOk).to.equal(true);
    expect(Buffer.from(f.payload!.payload).toString()).to.equal('hello pulsar');
  });

  describe('FrameDecoder', () => {
    const a = joined(sendFrame({ producerId: 1, sequenceId: 1 }, metadata, payload));
    const b = PING_FRAME;
    const c = joined(sendFrame({ producerId: 1, sequenceId: 2 }, metadata, Buffer.alloc(3000, 7)));
    const all = Buffer.concat([a, b, c]);

    it('emits several frames coalesced in one read', () => {
      const frames = new FrameDecoder().push(all);
      expect(frames.map((f) => f.command.type)).to.deep.equal([CommandType.SEND, CommandType.PING, CommandType.SEND]);
      expect(frames[2].payload!.payload.length).to.equal(3000);
    });

    it('reassembles frames split across reads at every byte boundary', () => {
      for (let cut = 1; cut < all.length; cut += 37) {
        const d = new FrameDecoder();
        const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
        expect(frames.length, `cut at ${cut}`).to.equal(3);
        expect(frames[2].command.send.sequenceId).to.equal(2);
        expect(d.bufferedBytes).to.equal(0);
      }
    });

    it('reassembles a frame fed one byte at a time', () => {
      const d = new FrameDecoder();
      const frames = [];
      for (let i = 0; i < a.length; i++) frames.push(...d.push(a.subarray(i, i + 1)));
      expect(frames.length).to.equal(1);
      expect(frames[0].payload!.checksumOk).to.equal(true);
    });

    it('refuses a length over the limit before buffering the frame', () => {
      const d = new FrameDecoder(1024);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(1_000_000_000, 0);
      expect(() => d.push(head)).to.throw(FrameError, /exceeds the limit/);
      expect(d.bufferedBytes).to.be.lessThan(16);
    });

    it('rejects a command size that overruns its frame', () => {
      const bad = Buffer.alloc(12);
      bad.writeUInt32BE(8, 0);
      bad.writeUInt32BE(100, 4);
      expect(() => new FrameDecoder().push(bad)).to.throw(FrameError, /overruns/);
    });
  });
});

describe('protocol/commands: hand-written SEND', () => {
  const metadata = encodeMessageMetadata({ producerName: 'p', sequenceId: 7, publishTime: 1700000000000 });
  const payload = Buffer.from('body');
  const big = [0, 1, 127, 128, 300, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 35 + 3, Number.MAX_SAFE_INTEGER];

  it('writes the frame byte for byte as protobufjs would, for every field combination and size', () => {
    let n = 0;
    for (const producerId of big) {
      for (const sequenceId of big) {
        for (const extra of [
          {},
          { numMessages: 127, highestSequenceId: sequenceId + 126 },
          { isChunk: true },
          { isChunk: false },
          { numMessages: 2 ** 31 - 1 },
        ]) {
          const a = { producerId, sequenceId, ...extra };
          const ours = joined(sendFrame(a, metadata, payload));
          const reference = joined(encodePayloadFrame({ type: CommandType.SEND, send: a }, metadata, payload));
          expect(ours.equals(reference), JSON.stringify(a)).to.equal(true);
          n++;
        }
      }
    }
    expect(n).to.equal(big.length * big.length * 5);
  });

  it('falls back to protobufjs for values outside the varint writer, with the same result', () => {
    for (const a of [
      { producerId: 1, sequenceId: -1 },
      { producerId: 1, sequenceId: 2, numMessages: 2 ** 31 },
      { producerId: 0.5, sequenceId: 2 },
    ]) {
      const ours = joined(sendFrame(a, metadata, payload));
      expect(ours.equals(joined(encodePayloadFrame({ type: CommandType.SEND, send: a }, metadata, payload))), JSON.stringify(a)).to.equal(
        true,
      );
      expect(decodeFrame(ours, 4, ours.length).payload!.checksumOk).to.equal(true);
    }
  });
});

import { expect } from 'chai';
import { decodeBatch, encodeBatch, encodeBatchOf, transientSpace, type BatchMessage } from '../../../../protocol/pulsar/batch';
import { FrameError } from '../../../../protocol/pulsar/frame-error';
import { decodeSingleMessageMetadata, encodeSingleMessageMetadata, type SingleMessageMetadata } from '../../../../protocol/pulsar/proto';

describe('protocol/batch', () => {
  it('round-trips entries with their single-message metadata', () => {
    const entries = [
      {
        metadata: { payloadSize: 3, partitionKey: 'a', sequenceId: 10, properties: [{ key: 'x', value: 'y' }] },
        payload: Buffer.from('one'),
      },
      { metadata: { payloadSize: 0, nullValue: true, sequenceId: 11 }, payload: Buffer.alloc(0) },
      { metadata: { payloadSize: 5, eventTime: 42, orderingKey: Buffer.from('ok'), sequenceId: 12 }, payload: Buffer.from('three') },
    ];
    const body = encodeBatch(entries);
    const back = decodeBatch(body, 3);
    expect(back.map((e) => Buffer.from(e.payload).toString())).to.deep.equal(['one', '', 'three']);
    expect(back[0].metadata.partitionKey).to.equal('a');
    expect(back[0].metadata.properties![0]).to.include({ key: 'x', value: 'y' });
    expect(back[1].metadata.nullValue).to.equal(true);
    expect(back[2].metadata.eventTime).to.equal(42);
    expect(Buffer.from(back[2].metadata.orderingKey!).toString()).to.equal('ok');
    expect(back.map((e) => e.metadata.sequenceId)).to.deep.equal([10, 11, 12]);
  });

  it('writes outgoing messages exactly as their metadata entries, owned or in reused space', () => {
    const msgs: BatchMessage[] = [
      {
        payload: Buffer.from('one'),
        partitionKey: 'a',
        partitionKeyB64: false,
        sequenceId: 10,
        nullValue: false,
        properties: [{ key: 'x', value: 'y' }],
      },
      { payload: Buffer.alloc(0), partitionKeyB64: false, sequenceId: 11, nullValue: true },
      {
        payload: Buffer.from('three'),
        partitionKey: 'aGk=',
        partitionKeyB64: true,
        orderingKey: Buffer.from('ok'),
        eventTime: -5,
        sequenceId: 12,
        nullValue: false,
      },
    ];
    const expected = encodeBatch(
      msgs.map((m) => ({
        metadata: {
          payloadSize: m.payload.length,
          partitionKey: m.partitionKey,
          partitionKeyB64Encoded: m.partitionKeyB64 || undefined,
          orderingKey: m.orderingKey,
          properties: m.properties,
          eventTime: m.eventTime,
          sequenceId: m.sequenceId,
          nullValue: m.nullValue || undefined,
        },
        payload: m.payload,
      })),
    );
    const owned = encodeBatchOf(msgs, (n) => Buffer.allocUnsafe(n));
    expect(owned.equals(expected)).to.equal(true);
    const first = Buffer.from(encodeBatchOf(msgs, transientSpace));
    expect(first.equals(expected)).to.equal(true);
    // reused space: the next transient body overwrites the last one, an owned body stays as it was
    const other = encodeBatchOf(
      [{ payload: Buffer.from('zzzzzz'), partitionKeyB64: false, sequenceId: 99, nullValue: false }],
      transientSpace,
    );
    expect(decodeBatch(other, 1)[0].payload.toString()).to.equal('zzzzzz');
    expect(owned.equals(expected)).to.equal(true);
  });

  it('refuses a batch shorter than its message count', () => {
    const body = encodeBatch([{ metadata: { payloadSize: 3 }, payload: Buffer.from('abc') }]);
    expect(() => decodeBatch(body, 2)).to.throw(FrameError, /ends before message 1/);
    expect(() => decodeBatch(body.subarray(0, body.length - 1), 1)).to.throw(FrameError, /overruns/);
  });
});

// random values over every field, big numbers and non-ASCII text included (no lone surrogates, which protobufjs writes unlike Buffer)
function randomMetadata(next: () => number, i: number): SingleMessageMetadata {
  const pick = <T>(v: T): T | undefined => (next() < 0.5 ? v : undefined);
  const text = () => ['', 'k', `key-${i}`, 'héllo wörld', '€uro ключ 😃', 'x'.repeat(70), 'é'.repeat(90)][Math.floor(next() * 7)];
  const big = () =>
    [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 1_700_000_000_000, Number.MAX_SAFE_INTEGER][Math.floor(next() * 11)];
  return {
    properties: pick(Array.from({ length: Math.floor(next() * 3) }, () => ({ key: text(), value: text() }))),
    partitionKey: pick(text()),
    payloadSize: big(),
    compactedOut: pick(next() < 0.5),
    eventTime: pick(big()),
    partitionKeyB64Encoded: pick(next() < 0.5),
    orderingKey: pick(Buffer.from(text())),
    sequenceId: pick(big()),
    nullValue: pick(next() < 0.5),
    nullPartitionKey: pick(next() < 0.5),
  };
}

describe('protocol/batch: hand-written SingleMessageMetadata', () => {
  it('writes every message metadata byte for byte as protobufjs does', () => {
    let s = 5;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let i = 0; i < 1000; i++) {
      const md = randomMetadata(next, i);
      const body = encodeBatch([{ metadata: md, payload: Buffer.from('p') }]);
      const expected = encodeSingleMessageMetadata(md);
      expect(body.readUInt32BE(0), JSON.stringify(md)).to.equal(expected.length);
      expect(body.subarray(4, 4 + expected.length).equals(Buffer.from(expected)), JSON.stringify(md)).to.equal(true);
      expect(body.length).to.equal(4 + expected.length + 1);
    }
  });

  it('encodes a batch of many entries as protobufjs-encoded parts concatenated', () => {
    let s = 9;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const entries = Array.from({ length: 300 }, (_, i) => ({ metadata: randomMetadata(next, i), payload: Buffer.alloc(i % 40, i) }));
    const expected = Buffer.concat(
      entries.flatMap((e) => {
        const md = encodeSingleMessageMetadata(e.metadata);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(md.length);
        return [size, Buffer.from(md), e.payload];
      }),
    );
    expect(encodeBatch(entries).equals(expected)).to.equal(true);
  });

  it('falls back to protobufjs for numbers the varint writer does not take, and still decodes', () => {
    const md = { payloadSize: 2, sequenceId: -1, eventTime: 1.5 };
    const body = encodeBatch([
      { metadata: md, payload: Buffer.from('ab') },
      { metadata: { payloadSize: 1, sequenceId: 3 }, payload: Buffer.from('c') },
    ]);
    const expected = encodeSingleMessageMetadata(md);
    expect(body.subarray(4, 4 + expected.length).equals(Buffer.from(expected))).to.equal(true);
    expect(decodeBatch(body, 2).map((e) => Buffer.from(e.payload).toString())).to.deep.equal(['ab', 'c']);
  });

  it('writes a lone surrogate in a key as U+FFFD, as Buffer does', () => {
    const body = encodeBatch([{ metadata: { payloadSize: 0, partitionKey: 'a\ud800' }, payload: Buffer.alloc(0) }]);
    expect(decodeBatch(body, 1)[0].metadata.partitionKey).to.equal('a\ufffd');
  });
});

// what a reader sees of a decoded metadata: own fields only (absent ones stay absent), bytes as plain arrays
function seen(md: SingleMessageMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(md)) {
    if (k === 'properties') out[k] = (v as { key: string; value: string }[]).map((p) => [p.key, p.value]);
    else out[k] = v instanceof Uint8Array ? [...v] : v;
  }
  return out;
}

describe('protocol/batch: hand-written SingleMessageMetadata reader', () => {
  it('decodes every field as protobufjs does, absent fields staying absent', () => {
    let s = 13;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const entries = Array.from({ length: 500 }, (_, i) => ({
      metadata: { ...randomMetadata(next, i), payloadSize: i % 7 },
      payload: Buffer.alloc(i % 7, i),
    }));
    const back = decodeBatch(encodeBatch(entries), entries.length);
    back.forEach((e, i) => {
      const reference = decodeSingleMessageMetadata(encodeSingleMessageMetadata(entries[i].metadata));
      expect(seen(e.metadata), JSON.stringify(entries[i].metadata)).to.deep.equal(seen(reference));
      expect(e.payload.length).to.equal(i % 7);
    });
  });

  it('reads negative int32 payload sizes and 64-bit values as protobufjs does', () => {
    const md = { payloadSize: 0, sequenceId: 2 ** 60, eventTime: 2 ** 64 - 2 ** 12 };
    const bytes = Buffer.from(encodeSingleMessageMetadata(md));
    const body = Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    expect(seen(decodeBatch(body, 1)[0].metadata)).to.deep.equal(seen(decodeSingleMessageMetadata(bytes)));
    const negative = Buffer.from(encodeSingleMessageMetadata({ payloadSize: -1 }));
    const nbody = Buffer.concat([Buffer.from([0, 0, 0, negative.length]), negative]);
    expect(() => decodeBatch(nbody, 1)).to.throw(FrameError, /payload overruns/);
  });

  it('skips fields it does not know, of every wire type', () => {
    const known = Buffer.from(encodeSingleMessageMetadata({ payloadSize: 2, partitionKey: 'k', sequenceId: 5 }));
    // field 20 varint, field 21 fixed64, field 22 bytes, field 23 fixed32
    const unknown = Buffer.from([0xa0, 0x01, 0x96, 0x01, 0xa9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0xb2, 0x01, 2, 9, 9, 0xbd, 0x01, 1, 2, 3, 4]);
    const md = Buffer.concat([unknown, known]);
    const body = Buffer.concat([Buffer.from([0, 0, 0, md.length]), md, Buffer.from('ab')]);
    const [e] = decodeBatch(body, 1);
    expect(seen(e.metadata)).to.deep.equal({ properties: [], payloadSize: 2, partitionKey: 'k', sequenceId: 5 });
    expect(e.payload.toString()).to.equal('ab');
  });

  it('refuses metadata whose fields run past its end', () => {
    const md = Buffer.from(encodeSingleMessageMetadata({ payloadSize: 0, partitionKey: 'abcdef' }));
    const body = Buffer.concat([Buffer.from([0, 0, 0, md.length - 4]), md]);
    expect(() => decodeBatch(body, 1)).to.throw(FrameError, /overruns the metadata/);
    const varint = Buffer.from([0x18, 0x80]);
    expect(() => decodeBatch(Buffer.concat([Buffer.from([0, 0, 0, 2]), varint]), 1)).to.throw(FrameError, /truncated varint/);
  });
});

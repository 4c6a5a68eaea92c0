import { expect } from 'chai';
import {
  ApiKey,
  apiKeyName,
  encodeRequest,
  encodeRequestParts,
  KafkaProtocolError,
  Reader,
  readResponseHeader,
  ResponseFramer,
  responseHeaderFlexible,
  Writer,
} from '../../../../protocol/kafka';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

describe('kafka frame', () => {
  it('writes request header v1 when not flexible', () => {
    const b = encodeRequest({ apiKey: 17, apiVersion: 1, correlationId: 7, clientId: 'c', flexible: false }, (w) => w.int8(9));
    expect(b.toString('hex')).to.equal('0000000c' + '0011' + '0001' + '00000007' + '000163' + '09');
  });

  it('writes request header v2 with an empty tag section, client id still int16-sized', () => {
    const b = encodeRequest({ apiKey: 3, apiVersion: 12, correlationId: 1, clientId: null, flexible: true }, () => {});
    expect(b.toString('hex')).to.equal('0000000b' + '0003' + '000c' + '00000001' + 'ffff' + '00');
  });

  it('reads response header v0 and v1', () => {
    expect(readResponseHeader(new Reader(Buffer.from('0000002a', 'hex')), false)).to.equal(42);
    const r = new Reader(Buffer.from('0000002a' + '01' + '00' + '01' + 'ff' + '55', 'hex'));
    expect(readResponseHeader(r, true)).to.equal(42);
    expect(r.int8()).to.equal(0x55);
  });

  it('uses header v0 for ApiVersions responses whatever the request', () => {
    expect(responseHeaderFlexible(ApiKey.ApiVersions, true)).to.equal(false);
    expect(responseHeaderFlexible(ApiKey.Metadata, true)).to.equal(true);
    expect(responseHeaderFlexible(ApiKey.SaslHandshake, false)).to.equal(false);
  });

  it('names api keys', () => {
    expect(apiKeyName(18)).to.equal('ApiVersions');
    expect(apiKeyName(999)).to.equal('ApiKey(999)');
  });

  it('returns views of the chunk for responses that lie in it', () => {
    const a = Buffer.from('aaaa');
    const b = Buffer.from('bb');
    const chunk = Buffer.concat([frame(a), frame(b)]);
    const out = new ResponseFramer().push(chunk);
    expect(out.map((x) => x.toString())).to.deep.equal(['aaaa', 'bb']);
    expect(out[0].buffer).to.equal(chunk.buffer);
  });

  it('joins responses split at every byte, size prefixes included', () => {
    const payloads = [Buffer.from('first'), Buffer.alloc(0), Buffer.from('x'.repeat(1000))];
    const stream = Buffer.concat(payloads.map(frame));
    for (const step of [1, 2, 3, 5, 7, 1000]) {
      const framer = new ResponseFramer();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...framer.push(stream.subarray(i, i + step)));
      expect(
        got.map((x) => x.toString()),
        `step ${step}`,
      ).to.deep.equal(payloads.map((x) => x.toString()));
      expect(framer.buffered).to.equal(0);
    }
  });

  it('copies a response split over chunks into one buffer of its size as they arrive, holding no chunk', () => {
    const payload = Buffer.alloc(300_000, 7);
    const stream = Buffer.concat([frame(payload), frame(Buffer.from('next'))]);
    const framer = new ResponseFramer();
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 65_536) chunks.push(Buffer.from(stream.subarray(i, i + 65_536)));
    const got: Buffer[] = [];
    for (const [i, c] of chunks.entries()) {
      got.push(...framer.push(c));
      if (got.length > 0) continue;
      // the bytes so far, wherever the chunk ends
      expect(framer.buffered).to.equal((i + 1) * 65_536);
      // a chunk of the incomplete response, once pushed, may change without changing the response
      c.fill(0);
    }
    expect(got.map((x) => x.length)).to.deep.equal([300_000, 4]);
    expect(got[0].equals(payload)).to.equal(true);
    expect(got[0].buffer.byteLength).to.be.at.most(300_004 + 8192);
    expect(got[1].toString()).to.equal('next');
  });

  it('refuses a size over the limit or negative', () => {
    expect(() => new ResponseFramer(10).push(frame(Buffer.alloc(11)))).to.throw(KafkaProtocolError);
    expect(() => new ResponseFramer().push(Buffer.from('ffffffff', 'hex'))).to.throw(KafkaProtocolError);
    const f = new ResponseFramer(10);
    f.push(Buffer.from('0000', 'hex'));
    expect(() => f.push(Buffer.from('00ff', 'hex'))).to.throw(KafkaProtocolError);
  });

  it('round-trips an encoded request through the framer', () => {
    const req = encodeRequest({ apiKey: 0, apiVersion: 9, correlationId: 5, clientId: 'x', flexible: true }, (w: Writer) => w.int32(1));
    const [payload] = new ResponseFramer().push(req);
    const r = new Reader(payload);
    expect([r.int16(), r.int16(), r.int32(), r.string()]).to.deep.equal([0, 9, 5, 'x']);
  });

  it('encodeRequestParts is encodeRequest in pieces, a referenced body buffer among them', () => {
    const header = { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 7, clientId: 'c', flexible: true };
    const records = Buffer.alloc(10_000, 1);
    const parts = encodeRequestParts(header, (w) => w.int16(1).compactBytesRef(records).emptyTaggedFields());
    expect(parts).to.include(records);
    expect(Buffer.concat(parts).equals(encodeRequest(header, (w) => w.int16(1).compactBytes(records).emptyTaggedFields()))).to.equal(true);
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import { Producer, MessageId } from '../../../../lib';
import { Connection } from '../../../../lib/pulsar/connection';
import { CortadoError, ProtocolError, TimeoutError } from '../../../../lib/core/errors';
import { FrameError } from '../../../../protocol/pulsar/frame';
import { brokerFrames, ScriptedBroker } from '../../../support/scripted-broker';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const options = { connectTimeoutMs: 500, operationTimeoutMs: 1000, keepAliveIntervalMs: 60_000, clientVersion: 'test' };

/** A frame around `body` whose sizes are honest, so the client reads and decodes the body. */
function framed(body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 4, 0);
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** The ProtocolError a bad frame ends in, with the decoder's FrameError as its cause. */
function expectDecoderCause(e: unknown, reason: FrameError['reason']): FrameError {
  expect(e, String(e)).to.be.instanceOf(ProtocolError);
  const cause = (e as ProtocolError).cause as FrameError;
  expect(cause).to.be.instanceOf(FrameError);
  expect(cause.reason).to.equal(reason);
  expect((e as Error).message).to.not.include('closed during the handshake');
  return cause;
}

describe('defect 14: untyped decoder errors (a hostile peer)', () => {
  let peer: ScriptedBroker;

  beforeEach(async () => {
    peer = await ScriptedBroker.start();
  });

  afterEach(async () => {
    await peer.stop();
  });

  const connect = () => Connection.connect({ host: '127.0.0.1', port: peer.port, tls: false }, options);

  it('bad protobuf after CONNECT ends the handshake in ProtocolError keeping the protobuf cause', async () => {
    peer.on('CONNECT', (_cmd, reply) => reply.raw(framed(Buffer.from([0x0a]))));
    const cause = expectDecoderCause(await connect().catch((x) => x), 'malformed');
    expect(cause.cause).to.be.instanceOf(Error);
  });

  it('an oversized length after CONNECT ends the handshake in ProtocolError (too-large)', async () => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(0xfffffff0, 0);
    peer.on('CONNECT', (_cmd, reply) => reply.raw(head));
    expectDecoderCause(await connect().catch((x) => x), 'too-large');
  });

  it('a known command without its sub-command after CONNECT is refused, not dispatched', async () => {
    peer.on('CONNECT', (_cmd, reply) => reply.raw(framed(Buffer.from([0x08, 0x03]))));
    const cause = expectDecoderCause(await connect().catch((x) => x), 'malformed');
    expect(cause.message).to.include('CONNECTED command carries no connected');
  });

  it('garbage after CONNECT ends in a typed error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean(), async (garbage, honestSize) => {
        peer.on('CONNECT', (_cmd, reply) => reply.raw(honestSize ? framed(garbage) : Buffer.concat([Buffer.from([0xff]), garbage])));
        const e = await connect().then(
          (c) => (c.destroy(), undefined),
          (x) => x,
        );
        // bytes that decode as some other command leave the handshake waiting: it times out, typed
        if (e instanceof TimeoutError || e === undefined) return;
        expectDecoderCause(e, honestSize ? 'malformed' : 'too-large');
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it('random bytes after CONNECTED close the connection with a typed cause, or leave it working', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean(), async (garbage, honestSize) => {
        const bytes = honestSize ? framed(garbage) : Buffer.concat([Buffer.from([0xff]), garbage]);
        let brokerSide: { write(...frames: Buffer[]): void } | undefined;
        peer.on('CONNECT', (_cmd, reply, conn) => {
          reply.ok();
          brokerSide = conn;
        });
        const pongs = peer.count('PONG');
        const c = await connect();
        let closedWith: CortadoError | undefined;
        c.once('close', (err: CortadoError) => (closedWith = err));
        // only once the client listens for close (a loaded machine may connect late); then a PING a live connection answers
        brokerSide!.write(bytes, brokerFrames.ping());
        const outcome = await peer.waitUntil(() => closedWith ?? (peer.count('PONG') > pongs && ('alive' as const)), 5000);
        c.destroy();
        if (outcome === 'alive') return;
        expectDecoderCause(outcome, honestSize ? 'malformed' : 'too-large');
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it("a Producer's start() reports the decoder's cause, not a closed handshake", async () => {
    peer.on('CONNECT', (_cmd, reply) => reply.raw(framed(Buffer.from([0x08, 0x03, 0x1a, 0x05]))));
    const p = new Producer<MessageId>({ url: peer.url, topics: ['t'], connectionTimeoutMs: 2000 }, {});
    const e = await p.start().catch((x) => x);
    await p.close();
    expectDecoderCause(e, 'malformed');
  });
});

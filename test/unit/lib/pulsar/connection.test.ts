import { expect } from 'chai';
import * as net from 'net';
import { Connection } from '../../../../lib/pulsar/connection';
import { ProtocolError, TimeoutError, TopicError } from '../../../../lib/core/errors';
import { PING_FRAME, partitionedMetadataFrame } from '../../../../protocol/pulsar/commands';
import { encodeCommandFrame, FrameDecoder } from '../../../../protocol/pulsar/frame';
import { BaseCommand, CommandType } from '../../../../protocol/pulsar/proto';

// A scripted peer on a loopback socket: it decodes what the client writes with our own
// decoder and answers as the test says. It checks connection behaviour, not a broker.
async function peer(onCommand: (cmd: BaseCommand, reply: (frame: Buffer) => void, sock: net.Socket) => void) {
  const seen: BaseCommand[] = [];
  const server = net.createServer((sock) => {
    const d = new FrameDecoder();
    sock.on('data', (chunk) => {
      for (const f of d.push(chunk)) {
        seen.push(f.command);
        onCommand(f.command, (frame) => sock.write(frame), sock);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const connected = (maxMessageSize = 1234) =>
  encodeCommandFrame({ type: CommandType.CONNECTED, connected: { serverVersion: 'peer', protocolVersion: 21, maxMessageSize } });
const options = { connectTimeoutMs: 2000, operationTimeoutMs: 300, keepAliveIntervalMs: 60_000, clientVersion: 'test' };

describe('lib/connection', () => {
  it('completes CONNECT/CONNECTED and remembers max_message_size', async () => {
    const p = await peer((cmd, reply) => cmd.type === CommandType.CONNECT && reply(connected(4321)));
    const c = await Connection.connect({ host: '127.0.0.1', port: p.port, tls: false }, options);
    expect(c.maxMessageSize).to.equal(4321);
    expect(p.seen[0].connect.protocolVersion).to.equal(21);
    c.destroy();
    await p.close();
  });

  it('answers PING with PONG', async () => {
    let pong: () => void;
    const gotPong = new Promise<void>((r) => (pong = r));
    const p = await peer((cmd, reply) => {
      if (cmd.type === CommandType.CONNECT) {
        reply(connected());
        reply(PING_FRAME);
      }
      if (cmd.type === CommandType.PONG) pong();
    });
    const c = await Connection.connect({ host: '127.0.0.1', port: p.port, tls: false }, options);
    await gotPong;
    c.destroy();
    await p.close();
  });

  it('matches responses by request id and times out a request left unanswered', async () => {
    const p = await peer((cmd, reply) => {
      if (cmd.type === CommandType.CONNECT) reply(connected());
      if (cmd.type === CommandType.PARTITIONED_METADATA && cmd.partitionMetadata.topic === 'answered') {
        reply(
          encodeCommandFrame({
            type: CommandType.PARTITIONED_METADATA_RESPONSE,
            partitionMetadataResponse: { requestId: cmd.partitionMetadata.requestId, partitions: 7 },
          }),
        );
      }
      if (cmd.type === CommandType.PARTITIONED_METADATA && cmd.partitionMetadata.topic === 'refused') {
        reply(
          encodeCommandFrame({
            type: CommandType.ERROR,
            error: { requestId: cmd.partitionMetadata.requestId, error: 17, message: 'nope' },
          }),
        );
      }
    });
    const c = await Connection.connect({ host: '127.0.0.1', port: p.port, tls: false }, options);
    const silent = c.request((id) => partitionedMetadataFrame('silent', id), 'silent').catch((e) => e);
    const answered = await c.request((id) => partitionedMetadataFrame('answered', id), 'answered');
    expect(answered.partitionMetadataResponse.partitions).to.equal(7);
    expect(await c.request((id) => partitionedMetadataFrame('refused', id), 'refused').catch((e) => e)).to.be.instanceOf(TopicError);
    expect(await silent).to.be.instanceOf(TimeoutError);
    c.destroy();
    await p.close();
  });

  it('drops the connection on an oversize frame and fails what was pending', async () => {
    const p = await peer((cmd, reply, sock) => {
      if (cmd.type === CommandType.CONNECT) reply(connected(1024));
      if (cmd.type === CommandType.PARTITIONED_METADATA) {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(50 * 1024 * 1024, 0);
        sock.write(head);
      }
    });
    const c = await Connection.connect({ host: '127.0.0.1', port: p.port, tls: false }, options);
    const closed = new Promise((r) => c.once('close', r));
    const e = await c.request((id) => partitionedMetadataFrame('t', id), 't').catch((x) => x);
    expect(e).to.be.instanceOf(ProtocolError);
    expect(await closed).to.be.instanceOf(ProtocolError);
    expect(c.closed).to.equal(true);
    await p.close();
  });

  it('gives up connecting within the connect timeout', async () => {
    const p = await peer(() => undefined); // accepts, never answers CONNECT
    const t0 = Date.now();
    const e = await Connection.connect({ host: '127.0.0.1', port: p.port, tls: false }, { ...options, connectTimeoutMs: 300 }).catch(
      (x) => x,
    );
    expect(e).to.be.instanceOf(TimeoutError);
    expect(Date.now() - t0).to.be.lessThan(2000);
    await p.close();
  });
});

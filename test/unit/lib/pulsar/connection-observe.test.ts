import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import * as net from 'net';
import { Connection, ProducerListener } from '../../../../lib/pulsar/connection';
import { CHANNELS, ConnectionEvent } from '../../../../lib/core/diagnostics';
import { Log } from '../../../../lib/core/logger';
import { PING_FRAME } from '../../../../protocol/pulsar/commands';
import { encodeCommandFrame, FrameDecoder } from '../../../../protocol/pulsar/frame';
import { CommandType } from '../../../../protocol/pulsar/proto';
import { recordingLogger } from '../../../support/recording-logger';

// A loopback peer that completes the handshake and answers PING with a SEND_RECEIPT for producer 7.
async function receiptPeer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((sock) => {
    const d = new FrameDecoder();
    sock.on('data', (chunk) => {
      for (const f of d.push(chunk)) {
        if (f.command.type === CommandType.CONNECT) {
          sock.write(encodeCommandFrame({ type: CommandType.CONNECTED, connected: { serverVersion: 'peer', protocolVersion: 21 } }));
        }
        if (f.command.type === CommandType.PING)
          sock.write(
            encodeCommandFrame({
              type: CommandType.SEND_RECEIPT,
              sendReceipt: { producerId: 7, sequenceId: 0, messageId: { ledgerId: 1, entryId: 1 } },
            }),
          );
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('lib/connection observability', () => {
  it('regression: a listener that threw vanished (listener-error had no listener); now it is logged with broker and command, and open/close are published', async () => {
    const events: ConnectionEvent[] = [];
    const onEvent = (m: unknown) => void events.push(m as ConnectionEvent);
    diagnostics_channel.subscribe(CHANNELS.connection, onEvent);
    const logger = recordingLogger();
    const peer = await receiptPeer();
    try {
      const threw = new Promise<void>((resolve) => {
        const listener = {
          onSendReceipt() {
            setImmediate(resolve);
            throw new Error('bug in a receipt handler');
          },
          onConnectionClosed() {},
        } as unknown as ProducerListener;
        void Connection.connect(
          { host: '127.0.0.1', port: peer.port, tls: false },
          {
            connectTimeoutMs: 2000,
            operationTimeoutMs: 500,
            keepAliveIntervalMs: 60_000,
            clientVersion: 't',
            log: new Log(logger, 'debug'),
          },
        ).then((c) => {
          c.addProducer(7, listener);
          conn = c;
          c.write(PING_FRAME);
        });
      });
      let conn: Connection | undefined;
      await threw;
      const line = logger.lines.find((l) => l.level === 'error');
      expect(line?.args[1]).to.equal('a listener threw while handling a frame');
      const fields = line?.args[0] as { broker: string; command: string; error: { message: string } };
      expect(fields.broker).to.equal(`pulsar://127.0.0.1:${peer.port}`);
      expect(fields.command).to.equal('SEND_RECEIPT');
      expect(fields.error.message).to.equal('bug in a receipt handler');
      // the connection survived its listener's bug
      expect(conn!.closed).to.equal(false);
      conn!.destroy();
      expect(events.map((e) => e.event)).to.deep.equal(['open', 'close']);
      expect(events[0]).to.include({ broker: `pulsar://127.0.0.1:${peer.port}`, serverVersion: 'peer', protocolVersion: 21 });
      expect(events[1].error?.code).to.equal('CLOSED');
    } finally {
      diagnostics_channel.unsubscribe(CHANNELS.connection, onEvent);
      await peer.close();
    }
  });
});

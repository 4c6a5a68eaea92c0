import * as net from 'net';
import * as tls from 'tls';
import { encodeCommandFrame, FrameDecoder } from '../../protocol/pulsar/frame';
import { BaseCommand, CommandType } from '../../protocol/pulsar/proto';

// A scripted Pulsar peer on loopback (plain or TLS): it decodes what the client writes and answers
// as the test says. It checks one exact moment of connection behaviour, not a broker.

export interface ScriptedPeer {
  port: number;
  seen: BaseCommand[];
  /** the TLS peer certificate's subject CN per accepted socket, when the client sent one */
  clientCns: string[];
  close(): Promise<void>;
}

export type Script = (cmd: BaseCommand, reply: (frame: Buffer) => void, sock: net.Socket) => void;

export const connectedFrame = (maxMessageSize = 1234) =>
  encodeCommandFrame({ type: CommandType.CONNECTED, connected: { serverVersion: 'peer', protocolVersion: 21, maxMessageSize } });

export async function scriptedPeer(script: Script, tlsOptions?: tls.TlsOptions): Promise<ScriptedPeer> {
  const seen: BaseCommand[] = [];
  const clientCns: string[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (sock: net.Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    if (sock instanceof tls.TLSSocket) {
      const cn = sock.getPeerCertificate()?.subject?.CN;
      if (cn) clientCns.push(String(cn));
    }
    const d = new FrameDecoder();
    sock.on('data', (chunk) => {
      for (const f of d.push(chunk)) {
        seen.push(f.command);
        script(f.command, (frame) => sock.write(frame), sock);
      }
    });
    sock.on('error', () => undefined);
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, onSocket) : net.createServer(onSocket);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    clientCns,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

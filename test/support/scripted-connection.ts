import type * as net from 'net';
import type { ConsumerRecord, FrameSink } from './scripted-topics';

/** A producer as the peer knows it after PRODUCER. */
export interface ProducerRecord {
  id: number;
  topic: string;
  name: string;
  conn: PeerConnection;
  closed: boolean;
}

/** One accepted socket. */
export class PeerConnection implements FrameSink {
  closed = false;
  readonly producers = new Map<number, ProducerRecord>();
  readonly consumers = new Map<number, ConsumerRecord>();

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {}

  /** Writes all the bytes in one socket write (so the client reads them together). */
  write(...bytes: Uint8Array[]): void {
    if (this.closed || bytes.length === 0) return;
    this.socket.write(bytes.length === 1 ? bytes[0] : Buffer.concat(bytes));
  }

  /** Drops the socket at once, without a goodbye. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Stops reading the client's bytes (the client's socket buffers fill: backpressure). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes after what was written is delivered. */
  end(): void {
    this.socket.end();
  }
}

import { parseProducerConfig, ProducerOptions } from '../../lib/core/config';
import type { Connection, ProducerListener } from '../../lib/pulsar/connection';
import { ConnectionError, CortadoError } from '../../lib/core/errors';
import { BufferPool } from '../../lib/core/buffer-pool';
import { MemoryLimitController } from '../../lib/core/memory-limit-controller';
import type { OutgoingMessage } from '../../lib/core/message';
import type { MessageId } from '../../lib/pulsar/message-id';
import { prepareMessage, SendOptions } from '../../lib/core/message';
import { PartitionProducer, ProducerContext } from '../../lib/pulsar/partition-producer';
import { errorFromServer } from '../../lib/pulsar/server-errors';
import { Worker } from '../../lib/core/worker';
import { decodeFrame, Frame } from '../../protocol/pulsar/frame';
import {
  BaseCommand,
  BaseCommandInit,
  CommandType,
  decodeBaseCommand,
  decodeMessageMetadata,
  encodeBaseCommand,
  MessageMetadata,
} from '../../protocol/pulsar/proto';

function decode(frame: Buffer | [Buffer, Uint8Array]): Frame {
  const bytes = Buffer.isBuffer(frame) ? frame : Buffer.concat([frame[0], frame[1]]);
  return decodeFrame(bytes, 4, bytes.length);
}

interface Request {
  cmd: BaseCommand;
  resolve(cmd: BaseCommand): void;
  reject(err: Error): void;
}

/**
 * Stands in for a broker connection at the exact moments a unit test needs: it records every
 * request and frame a producer writes and lets the test answer (or not) by hand. A Connection's
 * dispatch delivers frames of one read synchronously, one after the other; the test does the same.
 */
export class FakeConnection {
  maxMessageSize = 5 * 1024 * 1024;
  closed = false;
  /** what write() returns: false makes the socket look full */
  room = true;
  readonly producers = new Map<number, ProducerListener>();
  readonly requests: Request[] = [];
  readonly sends: Array<{ cmd: BaseCommand; metadata: MessageMetadata; payload: Uint8Array }> = [];
  /** each SEND's payload part as the producer handed it over (not a copy), in order */
  readonly written: Uint8Array[] = [];
  private drainCallbacks: Array<() => void> = [];
  private static nextRequestId = 1;

  request(build: (requestId: number) => Buffer, context: string): Promise<BaseCommand> {
    if (this.closed) return Promise.reject(new ConnectionError(`${context}: connection closed`));
    const cmd = decode(build(FakeConnection.nextRequestId++)).command;
    return new Promise((resolve, reject) => {
      // CLOSE_PRODUCER is answered at once, as a broker does
      if (cmd.type === CommandType.CLOSE_PRODUCER)
        resolve(command({ type: CommandType.SUCCESS, success: { requestId: cmd.closeProducer.requestId } }));
      this.requests.push({ cmd, resolve, reject });
    });
  }

  write(frame: Buffer | [Buffer, Uint8Array]): boolean {
    if (this.closed) return false;
    const f = decode(frame);
    if (f.command.type === CommandType.SEND && !Buffer.isBuffer(frame)) this.written.push(frame[1]);
    if (f.command.type === CommandType.SEND)
      this.sends.push({ cmd: f.command, metadata: decodeMessageMetadata(f.payload!.metadata), payload: f.payload!.payload });
    return this.room;
  }

  whenDrained(cb: () => void): void {
    if (this.room) cb();
    else this.drainCallbacks.push(cb);
  }

  /** The socket's buffer emptied. */
  drain(): void {
    this.room = true;
    for (const cb of this.drainCallbacks.splice(0)) cb();
  }

  addProducer(id: number, l: ProducerListener): void {
    this.producers.set(id, l);
  }

  removeProducer(id: number): void {
    this.producers.delete(id);
  }

  destroy(err: CortadoError = new ConnectionError('fake connection closed')): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.requests) r.reject(err);
    const ls = [...this.producers.values()];
    this.producers.clear();
    for (const l of ls) l.onConnectionClosed(err);
  }

  /** The PRODUCER requests written on this connection, in order. */
  get producerRequests(): BaseCommand[] {
    return this.requests.filter((r) => r.cmd.type === CommandType.PRODUCER).map((r) => r.cmd);
  }

  get closeProducerRequests(): BaseCommand[] {
    return this.requests.filter((r) => r.cmd.type === CommandType.CLOSE_PRODUCER).map((r) => r.cmd);
  }

  private lastProducerRequest(): Request {
    const r = [...this.requests].reverse().find((x) => x.cmd.type === CommandType.PRODUCER);
    if (!r) throw new Error('no PRODUCER request was written');
    return r;
  }

  answerProducer(lastSequenceId = -1): void {
    const r = this.lastProducerRequest();
    r.resolve(
      command({
        type: CommandType.PRODUCER_SUCCESS,
        producerSuccess: { requestId: r.cmd.producer.requestId, producerName: 'fake-producer', lastSequenceId, producerReady: true },
      }),
    );
  }

  refuseProducer(code: number, message = 'refused'): void {
    this.lastProducerRequest().reject(errorFromServer(code, message, 'creating a producer'));
  }

  /** Delivers a broker frame to the producer registered under `producerId`, as dispatch does. */
  receipt(producerId: number, sequenceId: number, entryId: number, highestSequenceId = sequenceId): void {
    this.producers.get(producerId)?.onSendReceipt(
      command({
        type: CommandType.SEND_RECEIPT,
        sendReceipt: { producerId, sequenceId, highestSequenceId, messageId: { ledgerId: 7, entryId } },
      }),
    );
  }

  sendError(producerId: number, sequenceId: number, error: number, message = 'refused'): void {
    this.producers
      .get(producerId)
      ?.onSendError(command({ type: CommandType.SEND_ERROR, sendError: { producerId, sequenceId, error, message } }));
  }

  closeProducer(producerId: number): void {
    const l = this.producers.get(producerId);
    this.producers.delete(producerId);
    l?.onCloseProducer(command({ type: CommandType.CLOSE_PRODUCER, closeProducer: { producerId } }));
  }
}

/** Waits until `cond` holds, polling; fails the test with `what` after a few seconds. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Every harness producer, closed after its test so no send timer keeps the test process alive.
const made = new Set<PartitionProducer>();

/** Closes the producers the harnesses of the test that just ran made. */
export async function closeHarnessProducers(): Promise<void> {
  const all = [...made];
  made.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

/** One partition producer over fake connections; every new connection the pool hands out is recorded. */
export function producerHarness(options: ProducerOptions = {}, lookup?: () => Promise<void>) {
  const conns: FakeConnection[] = [];
  const current = () => conns[conns.length - 1];
  const pool = {
    async get() {
      if (conns.length === 0 || current().closed) conns.push(new FakeConnection());
      return current() as unknown as Connection;
    },
  };
  const lookupService = {
    async lookup() {
      await lookup?.();
      return { address: { host: '127.0.0.1', port: 6650, tls: false } };
    },
  };
  const config = parseProducerConfig({ operationTimeoutMs: 5000, ...options }, {});
  const memory = new MemoryLimitController(config.memoryLimitBytes);
  const bodies = new BufferPool();
  const ctx = { pool, lookup: lookupService, config, accessMode: 0, memory, bodies } as unknown as ProducerContext;
  const producer = new PartitionProducer('persistent://public/default/t', 'persistent://public/default/t', 0, ctx);
  made.add(producer);
  const worker = new Worker('worker_t_0');
  worker.attach(producer);

  /** Admits and hands over one message, as Producer.enqueue does; the promise settles with its outcome. */
  function send(value: string | Buffer, opts: SendOptions = {}): Promise<MessageId> {
    const msg: OutgoingMessage = prepareMessage('k', value, opts);
    const timeout = opts.timeout ?? config.sendTimeoutMs;
    if (timeout > 0) msg.deadline = Date.now() + timeout;
    if (!producer.tryAdmit(msg.payload.length)) return Promise.reject(producer.queueFullError(msg.payload.length));
    const p = new Promise<MessageId>((resolve, reject) => {
      msg.resolve = resolve as (id: unknown) => void;
      msg.reject = reject;
      msg.ticket = producer.issueTicket();
      worker.send(producer, msg);
    });
    p.catch(() => undefined);
    return p;
  }

  /** Sends each value and waits until `conn` carried that many more SENDs. */
  async function sendAll(conn: FakeConnection, values: string[]): Promise<Array<Promise<MessageId>>> {
    const target = conn.sends.length + values.length;
    const sends = values.map((v) => send(v));
    await until(() => conn.sends.length === target, `${values.length} SENDs`);
    return sends;
  }

  /** Starts the producer and waits for its first PRODUCER request, unanswered. */
  async function starting(): Promise<{ started: Promise<void>; conn: FakeConnection }> {
    const started = producer.start();
    started.catch(() => undefined);
    await until(() => conns.length > 0 && current().producerRequests.length > 0, 'the first PRODUCER');
    return { started, conn: current() };
  }

  /** Starts the producer and answers its first PRODUCER. */
  async function ready(): Promise<FakeConnection> {
    const { started, conn } = await starting();
    conn.answerProducer();
    await started;
    return conn;
  }

  /** Waits for the connection after `n - 1` losses to carry a PRODUCER request. */
  function reconnected(n: number): Promise<void> {
    return until(() => conns.length === n && current().producerRequests.length >= 1, `a PRODUCER on connection ${n}`);
  }

  return { producer, worker, conns, current, send, sendAll, starting, ready, reconnected, memory, config, bodies };
}

/** Settles a promise into a value or the error it rejected with, for assertions. */
export function outcome<T>(p: Promise<T>): Promise<T | Error> {
  return p.then(
    (v) => v,
    (e: Error) => e,
  );
}

/** A command as a broker's bytes decode: built through the real encoder and decoder. */
function command(init: BaseCommandInit): BaseCommand {
  return decodeBaseCommand(encodeBaseCommand(init));
}

import { encodeBatchOf, transientSpace } from '../../protocol/pulsar/batch';
import { closeProducerFrame, producerFrame, sendFrame } from '../../protocol/pulsar/commands';
import type { Codec } from '../../protocol/compression';
import { payloadFrameIntact } from '../../protocol/pulsar/frame';
import { AccessMode, BaseCommand, encodeMessageMetadata, MessageMetadata, SchemaData, ServerError } from '../../protocol/pulsar/proto';
import { sleep } from '../core/backoff';
import { BatchContainer, KeyBasedBatchContainer } from './batch-container';
import type { ProducerConfig } from '../core/config';
import { Admission } from '../core/admission';
import type { PartitionSink, SinkLine } from '../core/backend';
import type { PulsarProducerSettings } from './options';
import { Connection, ProducerListener } from './connection';
import type { ConnectionPool } from './connection-pool';
import {
  BrokerError,
  ChecksumError,
  ClosedError,
  ConnectionError,
  CortadoError,
  MessageTooLargeError,
  ProducerBusyError,
  ProducerFencedError,
  QueueFullError,
  TimeoutError,
} from '../core/errors';
import { HandlerBase, HandlerContext } from './handler-base';
import type { LookupService } from './lookup-service';
import type { BufferPool } from '../core/buffer-pool';
import type { MemoryLimitController } from '../core/memory-limit-controller';
import type { OutgoingMessage } from '../core/message';
import { MessageId } from './message-id';
import { errorFromServer } from './server-errors';

export interface ProducerContext {
  pool: ConnectionPool;
  lookup: LookupService;
  config: ProducerConfig & PulsarProducerSettings;
  codec?: Codec;
  schema?: SchemaData;
  accessMode: AccessMode;
  /** the client's memory budget, shared by all its producers */
  memory: MemoryLimitController;
  /** told of every state change (the façade's connected/reconnecting/fenced events) */
  onStateChange?: HandlerContext['onStateChange'];
  /** space for uncompressed batch bodies, shared by the producer's partitions */
  bodies: BufferPool;
  /** a subscription the broker creates on the topic when it registers the producer */
  initialSubscriptionName?: string;
}

type PayloadFrame = [Buffer, Uint8Array];

/** One SEND on the wire (a message, a batch, or every chunk of one message) awaiting its receipt. */
class Entry {
  receiptsLeft: number;
  checksumResends = 0;

  constructor(
    /** the SEND's sequence id (a batch's first) and highest sequence id (a batch's last) */
    readonly lo: number,
    readonly hi: number,
    /** the frame, or every chunk's frame */
    readonly frame: PayloadFrame | PayloadFrame[],
    /** the message, or a batch's messages in batch order */
    readonly messages: OutgoingMessage | OutgoingMessage[],
    /** the earliest deadline of its messages, 0 = none */
    readonly deadline: number,
    /** how many receipts complete it: one per chunk */
    readonly chunks: number,
    /** a batch body from the producer's pool, given back once its receipt arrives */
    readonly pooled?: Uint8Array,
  ) {
    this.receiptsLeft = chunks;
  }

  /** The broker names a batch by its first or its highest sequence id. */
  covers(sequenceId: number): boolean {
    return sequenceId === this.lo || sequenceId === this.hi || (this.lo < sequenceId && sequenceId < this.hi);
  }
}

// what a batched message's payload becomes once its batch body holds the bytes
const SENT = new Uint8Array(0);

// ledgerId/entryId of 2^64-1 mark a send the broker dropped as a duplicate.
const DUPLICATE_ID = 2 ** 63;
// A frame whose bytes are intact but which the broker keeps refusing for its checksum fails after this many resends.
const MAX_CHECKSUM_RESENDS = 3;

/**
 * A Pulsar producer on one topic-partition: registers on the owning broker's connection, numbers
 * messages with sequence ids, batches and chunks them, and keeps every unacknowledged send in
 * order so that a reconnect resends it with its original sequence id. Sends time out from the
 * head of that queue: a timed-out send and everything behind it fail and are never written later.
 */
export class PartitionProducer extends HandlerBase implements ProducerListener, PartitionSink {
  readonly producerId = Connection.newResourceId();
  producerName?: string;
  topicEpoch?: number;
  schemaVersion?: Uint8Array;
  /** the worker whose line feeds this producer (set by Worker.attach) */
  worker?: SinkLine;

  private nextSequenceId: number;
  private registrations = 0;
  /** sends in order; [head, written) went out on the current connection */
  private entries: Entry[] = [];
  private head = 0;
  private written = 0;
  /** the socket's buffer is full: new sends wait for its drain */
  private blocked = false;
  private readonly batch?: BatchContainer;
  private batchTimer?: NodeJS.Timeout;
  private timeoutTimer?: NodeJS.Timeout;
  private timeoutAt = Infinity;
  /** room for messages admitted and not settled: queued in the worker, batched or in flight */
  private readonly admission: Admission;
  private tickets = 0;
  private readonly flushWaiters: Array<{ upTo: number; done(): void }> = [];

  constructor(
    /** the Pulsar topic this producer writes: `T` or `T-partition-i` */
    topicName: string,
    /** the topic the app named and the partition index reported in message ids */
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: ProducerContext,
  ) {
    super(topicName, {
      pool: ctx.pool,
      lookup: ctx.lookup,
      operationTimeoutMs: ctx.config.operationTimeoutMs,
      // as the references: a lost producer tries again before the sends it holds time out
      backoffMandatoryStopMs: Math.max(100, ctx.config.sendTimeoutMs - 100),
      kind: 'producer',
      onStateChange: ctx.onStateChange,
    });
    const c = ctx.config;
    this.admission = new Admission(c.maxPendingMessages, ctx.memory, `${topic} partition ${partition}`);
    this.nextSequenceId = c.initialSequenceId !== undefined ? c.initialSequenceId + 1 : 0;
    if (c.batchingEnabled) {
      const limits = { maxMessages: c.batchingMaxMessages, maxBytes: c.batchingMaxBytes };
      this.batch = c.batchBuilder === 'key_based' ? new KeyBasedBatchContainer(limits) : new BatchContainer(limits);
    }
  }

  /** Messages admitted and not yet settled (worker line, batch and in flight). */
  get pendingCount(): number {
    return this.admission.pending;
  }

  /** Registers after the configured startup delay; transient errors are retried until operationTimeoutMs. */
  override async start(): Promise<void> {
    const c = this.ctx.config;
    await sleep(c.startupDelayMs + Math.floor(Math.random() * (c.startupJitterMs + 1)));
    return super.start();
  }

  // ---- admission: maxPendingMessages and the client's memory limit ----

  /** Takes room for one message now; false when the queue or memory is full or others wait ahead. */
  tryAdmit(size: number): boolean {
    return this.admission.tryAdmit(size);
  }

  /** Why tryAdmit refused, as the typed error a fail-fast send gets. */
  queueFullError(size: number): QueueFullError {
    return this.admission.queueFullError(size);
  }

  /** Waits in line for room for one message (blockIfQueueFull). */
  admit(size: number): Promise<void> {
    return this.admission.admit(size);
  }

  /** The number flush() compares with: messages are numbered as they are handed over. */
  issueTicket(): number {
    return ++this.tickets;
  }

  private resolveMessage(msg: OutgoingMessage, id: MessageId): void {
    if (this.admission.settle(msg)) msg.resolve(id);
  }

  /** Fails one message and frees its room; a no-op when it is already settled. */
  failMessage(msg: OutgoingMessage, err: Error): void {
    if (this.admission.settle(msg)) msg.reject(err);
  }

  // ---- registration (HandlerBase) ----

  protected async register(conn: Connection): Promise<void> {
    const c = this.ctx.config;
    conn.addProducer(this.producerId, this);
    // the broker refuses a PRODUCER whose epoch is older than one it already saw
    const epoch = this.registrations++;
    let res: BaseCommand;
    try {
      res = await conn.request(
        (requestId) =>
          producerFrame({
            topic: this.topicName,
            producerId: this.producerId,
            requestId,
            producerName: this.producerName ?? c.producerName,
            userProvidedName: c.producerName !== undefined,
            epoch,
            accessMode: this.ctx.accessMode,
            topicEpoch: this.topicEpoch,
            schema: this.ctx.schema,
            initialSubscriptionName: this.ctx.initialSubscriptionName,
          }),
        `creating a producer on ${this.topicName}`,
      );
    } catch (err) {
      // over the backlog quota the references fail what waits at once and keep trying to reconnect
      if (err instanceof BrokerError && err.serverError === 'ProducerBlockedQuotaExceededException') this.failQueued(err);
      throw err;
    }
    const ok = res.producerSuccess;
    this.producerName = ok.producerName;
    if (Object.prototype.hasOwnProperty.call(ok, 'topicEpoch')) this.topicEpoch = ok.topicEpoch;
    if (ok.schemaVersion && ok.schemaVersion.length > 0) this.schemaVersion = ok.schemaVersion;
    if (c.initialSequenceId === undefined && ok.lastSequenceId >= this.nextSequenceId) this.nextSequenceId = ok.lastSequenceId + 1;
  }

  protected release(conn: Connection, _err: unknown): void {
    conn.removeProducer(this.producerId);
    // the broker may hold a producer for a request that timed out or completed too late: close it (the broker answers success for unknown ids)
    if (!conn.closed)
      conn.request((id) => closeProducerFrame(this.producerId, id), `releasing the producer on ${this.topicName}`).catch(() => undefined);
  }

  protected becameReady(): void {
    this.written = this.head;
    this.blocked = false;
    // every chunk goes again, so every chunk's receipt is awaited again
    for (let i = this.head; i < this.entries.length; i++) this.entries[i].receiptsLeft = this.entries[i].chunks;
    // pending sends go again in order with their sequence ids, then the batch, then the worker's line
    this.pump();
    this.flush();
    this.worker?.drain();
  }

  protected override onDisconnected(): void {
    this.written = this.head;
    this.blocked = false;
  }

  protected failPending(err: CortadoError): void {
    this.failQueued(err);
  }

  protected override startError(err: CortadoError): CortadoError {
    // the broker answers ProducerFenced to a newcomer on an exclusively held topic: it was never fenced, the topic is busy
    return err instanceof ProducerFencedError ? new ProducerBusyError(err.message) : err;
  }

  // ---- the send path ----

  /** Takes one message; the worker calls this in send order and only when ready. */
  write(msg: OutgoingMessage): void {
    if (msg.settled) return;
    if (msg.sequenceId < 0) msg.sequenceId = this.nextSequenceId++;
    else if (msg.sequenceId >= this.nextSequenceId) this.nextSequenceId = msg.sequenceId + 1;
    this.watch(msg.deadline);
    if (!this.batch || msg.deliverAtTime !== undefined) {
      // a delayed message is never batched; flush first so it keeps its place in the order
      if (this.batch && !this.batch.isEmpty) this.flush();
      this.sendOne(msg);
      return;
    }
    if (this.batch.wouldOverflow(msg.payload.length)) this.flush();
    if (this.batch.add(msg)) this.flush();
    else if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        this.flush();
      }, this.ctx.config.batchingFlushMs);
    }
  }

  /** Sends whatever the batch holds now. */
  flush(): void {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (!this.batch || this.batch.isEmpty || !this.ready) return;
    for (const group of this.batch.drain()) {
      const live = group.filter((m) => !m.settled);
      if (live.length === 1) this.sendOne(live[0]);
      else if (live.length > 1) this.sendBatch(live);
    }
  }

  private baseMetadata(sequenceId: number): MessageMetadata {
    const md: MessageMetadata = { producerName: this.producerName!, sequenceId, publishTime: Date.now() };
    if (this.schemaVersion) md.schemaVersion = this.schemaVersion;
    return md;
  }

  private compress(md: MessageMetadata, bytes: Uint8Array): Uint8Array {
    const codec = this.ctx.codec;
    if (!codec || bytes.length === 0) return bytes;
    md.compression = codec.type as number;
    md.uncompressedSize = bytes.length;
    return codec.compress(bytes);
  }

  private sendOne(msg: OutgoingMessage): void {
    const sequenceId = msg.sequenceId;
    const md = this.baseMetadata(sequenceId);
    if (msg.partitionKey !== undefined) {
      md.partitionKey = msg.partitionKey;
      if (msg.partitionKeyB64) md.partitionKeyB64Encoded = true;
    }
    if (msg.orderingKey) md.orderingKey = msg.orderingKey;
    if (msg.properties) md.properties = msg.properties;
    if (msg.eventTime !== undefined) md.eventTime = msg.eventTime;
    if (msg.deliverAtTime !== undefined) md.deliverAtTime = msg.deliverAtTime;
    if (msg.nullValue) md.nullValue = true;
    const payload = this.compress(md, msg.payload);
    const metadata = encodeMessageMetadata(md);
    const brokerLimit = this.conn!.maxMessageSize;
    const chunking = this.ctx.config.chunkingEnabled;
    // a chunking producer keeps every frame within its own maxMessageSize too, when that is the smaller
    const limit = chunking ? Math.min(this.ctx.config.maxMessageSize, brokerLimit) : brokerLimit;
    if (metadata.length + payload.length > limit) {
      if (chunking) return this.sendChunks(msg, md, payload, limit);
      return this.failMessage(msg, new MessageTooLargeError(metadata.length + payload.length, limit));
    }
    const frame = sendFrame({ producerId: this.producerId, sequenceId }, metadata, payload);
    this.push(new Entry(sequenceId, sequenceId, frame, msg, msg.deadline, 1));
  }

  private sendBatch(msgs: OutgoingMessage[]): void {
    const first = msgs[0];
    const sequenceId = first.sequenceId;
    const highestSequenceId = msgs[msgs.length - 1].sequenceId;
    let deadline = 0;
    for (let i = 0; i < msgs.length; i++) {
      const d = msgs[i].deadline;
      if (d !== 0 && (deadline === 0 || d < deadline)) deadline = d;
    }
    // a body that is compressed next is only read once; one sent as it is stays until its receipt
    const codec = this.ctx.codec;
    const body = encodeBatchOf(msgs, codec ? transientSpace : this.ctx.bodies.take);
    // the body holds the bytes now: the app's buffers need not live until the receipt (a second copy counted nowhere)
    for (let i = 0; i < msgs.length; i++) msgs[i].payload = SENT;
    const md = this.baseMetadata(sequenceId);
    if (first.partitionKey !== undefined) {
      md.partitionKey = first.partitionKey;
      if (first.partitionKeyB64) md.partitionKeyB64Encoded = true;
    }
    if (first.orderingKey) md.orderingKey = first.orderingKey;
    md.numMessagesInBatch = msgs.length;
    md.highestSequenceId = highestSequenceId;
    const payload = this.compress(md, body);
    const metadata = encodeMessageMetadata(md);
    const limit = this.conn!.maxMessageSize;
    if (metadata.length + payload.length > limit) {
      const err = new MessageTooLargeError(metadata.length + payload.length, limit);
      for (const m of msgs) this.failMessage(m, err);
      return;
    }
    const frame = sendFrame({ producerId: this.producerId, sequenceId, numMessages: msgs.length, highestSequenceId }, metadata, payload);
    this.push(new Entry(sequenceId, highestSequenceId, frame, msgs, deadline, 1, codec ? undefined : body));
  }

  // Chunks share one sequence id; each repeats the metadata with its chunk id (protocol chunking rules).
  private sendChunks(msg: OutgoingMessage, md: MessageMetadata, payload: Uint8Array, limit: number): void {
    const sequenceId = msg.sequenceId;
    md.uuid = `${this.producerName}-${sequenceId}`;
    md.totalChunkMsgSize = payload.length;
    md.numChunksFromMsg = Math.ceil(payload.length / 1024);
    md.chunkId = md.numChunksFromMsg;
    // size the metadata with its chunk fields filled in, plus slack for varints that grow
    const chunkSize = limit - encodeMessageMetadata(md).length - 16;
    const chunks = Math.ceil(payload.length / chunkSize);
    md.numChunksFromMsg = chunks;
    if (md.uncompressedSize === undefined) md.uncompressedSize = payload.length;
    const frames: PayloadFrame[] = [];
    for (let i = 0; i < chunks; i++) {
      md.chunkId = i;
      const part = payload.subarray(i * chunkSize, Math.min(payload.length, (i + 1) * chunkSize));
      frames.push(sendFrame({ producerId: this.producerId, sequenceId, isChunk: true }, encodeMessageMetadata(md), part));
    }
    this.push(new Entry(sequenceId, sequenceId, frames, msg, msg.deadline, chunks));
  }

  private push(entry: Entry): void {
    this.entries.push(entry);
    if (!this.blocked && this.written === this.entries.length - 1) this.pump();
  }

  /** Writes unwritten entries in order until the socket's buffer is full, then waits for its drain. */
  private pump(): void {
    const conn = this.conn;
    if (!conn || !this.ready) return;
    let room = true;
    while (room && this.written < this.entries.length) {
      const f = this.entries[this.written++].frame;
      if (isFrame(f)) room = conn.write(f);
      else for (const c of f) room = conn.write(c) && room;
    }
    if (room) return;
    this.blocked = true;
    conn.whenDrained(() => {
      if (this.conn !== conn) return;
      this.blocked = false;
      this.pump();
    });
  }

  /** Drops the head entry; the queue's storage is compacted once most of it is behind the head. */
  private shift(): void {
    this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = this.written = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.written -= this.head;
      this.head = 0;
    }
  }

  // ---- what the broker says ----

  onSendReceipt(cmd: BaseCommand): void {
    const r = cmd.sendReceipt;
    const entry = this.head < this.entries.length ? this.entries[this.head] : undefined;
    if (!entry) return;
    if (r.sequenceId !== entry.lo) {
      // a receipt for a send behind the head means an earlier one was lost: resend everything on a new connection (as the references do)
      if (this.indexOf(r.sequenceId, true) > this.head)
        this.dropConnection(`a receipt for sequence id ${r.sequenceId} overtook ${entry.lo}`);
      // else the answer to a send that already timed out
      return;
    }
    if (--entry.receiptsLeft > 0) return;
    this.shift();
    // the broker has every byte of it: nothing reads the body now (failed entries are left to the GC, their bytes may still be queued)
    if (entry.pooled) this.ctx.bodies.give(entry.pooled);
    const dup = r.messageId.ledgerId >= DUPLICATE_ID;
    const ledgerId = dup ? -1 : r.messageId.ledgerId;
    const entryId = dup ? -1 : r.messageId.entryId;
    const m = entry.messages;
    if (!Array.isArray(m)) this.resolveMessage(m, new MessageId(this.topic, this.partition, ledgerId, entryId));
    else for (let i = 0; i < m.length; i++) this.resolveMessage(m[i], new MessageId(this.topic, this.partition, ledgerId, entryId, i));
    if (this.flushWaiters.length > 0) this.checkFlushed();
  }

  // Per the Java client's ClientCnx.handleSendError.
  onSendError(cmd: BaseCommand): void {
    const e = cmd.sendError;
    const err = errorFromServer(e.error, e.message, `send on ${this.topicName}`);
    switch (e.error) {
      case ServerError.ChecksumError:
        return this.recoverChecksumError(e.sequenceId);
      case ServerError.TopicTerminatedError:
      case ServerError.ProducerFenced:
        return this.fail(err);
      case ServerError.NotAllowedError: {
        // this send alone is refused (its size or its content); the rest go on
        const i = this.indexOf(e.sequenceId, false);
        if (i >= 0) this.removeEntry(i, err);
        return;
      }
      default:
        // anything else (PersistenceError, "producer is closed", ...): resend everything pending, in order, on a new connection
        this.dropConnection(`the broker answered ${err.message}`);
    }
  }

  private recoverChecksumError(sequenceId: number): void {
    const i = this.indexOf(sequenceId, false);
    if (i < 0) return;
    const entry = this.entries[i];
    if (!entryIntact(entry)) {
      return this.removeEntry(
        i,
        new ChecksumError(
          `the message with sequence id ${sequenceId} to ${this.topicName} changed after it was handed over (its Buffer was reused); it was not stored`,
        ),
      );
    }
    if (++entry.checksumResends > MAX_CHECKSUM_RESENDS) {
      return this.removeEntry(
        i,
        new ChecksumError(
          `the broker refused the checksum of sequence id ${sequenceId} on ${this.topicName} ${MAX_CHECKSUM_RESENDS + 1} times although the bytes are intact`,
        ),
      );
    }
    // damaged on the way: everything from here goes again, in order
    this.dropConnection(`the broker saw a bad checksum for sequence id ${sequenceId}`);
  }

  /** The index of the pending entry the broker means by a sequence id, or -1. */
  private indexOf(sequenceId: number, byFirst: boolean): number {
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (byFirst ? e.lo === sequenceId : e.covers(sequenceId)) return i;
    }
    return -1;
  }

  private removeEntry(i: number, err: Error): void {
    const [entry] = this.entries.splice(i, 1);
    if (i < this.written) this.written--;
    this.failEntry(entry, err);
    if (this.head === this.entries.length) this.entries.length = this.head = this.written = 0;
    if (this.flushWaiters.length > 0) this.checkFlushed();
  }

  private failEntry(entry: Entry, err: Error): void {
    const m = entry.messages;
    if (!Array.isArray(m)) this.failMessage(m, err);
    else for (const x of m) this.failMessage(x, err);
  }

  private dropConnection(why: string): void {
    this.conn?.destroy(new ConnectionError(`${why} (${this.topicName}); reconnecting to resend pending messages in order`));
  }

  onCloseProducer(): void {
    this.connectionLost();
  }

  onTopicMigrated(): void {
    this.conn?.removeProducer(this.producerId);
    this.connectionLost();
  }

  onConnectionClosed(): void {
    this.connectionLost();
  }

  // ---- send timeouts: one timer for the whole producer ----

  /** Makes sure the timer fires by this deadline (0 = none). */
  watch(deadline: number): void {
    if (deadline !== 0 && deadline < this.timeoutAt) this.armTimeout(deadline);
  }

  private armTimeout(at: number): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutAt = at;
    this.timeoutTimer = setTimeout(this.onTimeout, Math.max(0, at - Date.now()));
  }

  private readonly onTimeout = (): void => {
    this.timeoutTimer = undefined;
    this.timeoutAt = Infinity;
    const next = this.expire(Date.now());
    if (next !== Infinity) this.armTimeout(next);
  };

  /**
   * Fails the queue from the first send whose deadline passed (in flight, batched or in the
   * worker's line) to its end, as the references do: nothing behind a timed-out send may be stored
   * after it. Returns the earliest deadline left.
   */
  private expire(now: number): number {
    let next = Infinity;
    for (let i = this.head; i < this.entries.length; i++) {
      const d = this.entries[i].deadline;
      if (d === 0) continue;
      if (d <= now) {
        this.timeOutFrom(i);
        return next;
      }
      if (d < next) next = d;
    }
    if (this.batch && !this.batch.isEmpty) {
      for (const m of this.batch.peek()) {
        if (m.deadline !== 0 && m.deadline <= now) {
          this.timeOutFrom(this.entries.length);
          return next;
        }
        if (m.deadline !== 0 && m.deadline < next) next = m.deadline;
      }
    }
    const queued = this.worker?.failQueued(this, () => this.timeoutError(), now) ?? Infinity;
    if (this.flushWaiters.length > 0) this.checkFlushed();
    return Math.min(next, queued);
  }

  private timeoutError(): TimeoutError {
    return new TimeoutError(
      `send to ${this.topic} partition ${this.partition} got no receipt before its deadline (sendTimeoutMs or the timeout option); later sends of this partition fail with it so that none is stored out of order; with broker deduplication a retry with the same sequenceId is stored at most once`,
    );
  }

  private timeOutFrom(i: number): void {
    const err = this.timeoutError();
    const dropped = this.entries.splice(i);
    if (this.written > i) this.written = i;
    if (this.head >= this.entries.length) this.entries.length = this.head = this.written = 0;
    for (const e of dropped) this.failEntry(e, err);
    this.failBatchAndLine(err);
  }

  /** Fails what has not reached the wire yet: the batch and this producer's part of the worker's line. */
  private failBatchAndLine(err: CortadoError): void {
    if (this.batch) for (const group of this.batch.drain()) for (const m of group) this.failMessage(m, err);
    this.worker?.failQueued(this, () => err);
    if (this.flushWaiters.length > 0) this.checkFlushed();
  }

  /** Fails every message this producer holds (in flight, batched, in the worker's line). */
  private failQueued(err: CortadoError): void {
    const all = this.entries.splice(this.head);
    this.entries = [];
    this.head = this.written = 0;
    for (const e of all) this.failEntry(e, err);
    this.failBatchAndLine(err);
  }

  // ---- flush and close ----

  /** Sends the batch now; resolves once every message handed over so far is settled. */
  whenFlushed(): Promise<void> {
    this.flush();
    const upTo = this.tickets;
    if (this.oldestUnsettled() > upTo) return Promise.resolve();
    return new Promise((done) => this.flushWaiters.push({ upTo, done }));
  }

  private oldestUnsettled(): number {
    for (let i = this.head; i < this.entries.length; i++) {
      const m = this.entries[i].messages;
      if (!Array.isArray(m)) {
        if (!m.settled) return m.ticket;
      } else for (const x of m) if (!x.settled) return x.ticket;
    }
    if (this.batch) for (const m of this.batch.peek()) if (!m.settled) return m.ticket;
    return this.worker?.oldestUnsettled(this) ?? Infinity;
  }

  private checkFlushed(): void {
    const oldest = this.oldestUnsettled();
    for (let i = 0; i < this.flushWaiters.length;) {
      const w = this.flushWaiters[i];
      if (w.upTo < oldest) {
        this.flushWaiters.splice(i, 1);
        w.done();
      } else i++;
    }
  }

  /** Sends CLOSE_PRODUCER and stops; anything still unsent fails with a ClosedError. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const conn = this.beginClose();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.batchTimer = this.timeoutTimer = undefined;
    if (conn) {
      conn.removeProducer(this.producerId);
      try {
        await conn.request((id) => closeProducerFrame(this.producerId, id), `closing the producer on ${this.topicName}`);
      } catch {
        // the broker drops our producer with the connection anyway
      }
    }
    const err = new ClosedError(`the producer on ${this.topicName} is closed`);
    this.finishClose(err);
    this.admission.rejectWaiters(err);
    this.failQueued(err);
    for (const w of this.flushWaiters.splice(0)) w.done();
  }
}

function isFrame(f: PayloadFrame | PayloadFrame[]): f is PayloadFrame {
  return Buffer.isBuffer(f[0]);
}

/** Whether the payload bytes still match the checksums computed when the frames were built. */
function entryIntact(entry: Entry): boolean {
  const f = entry.frame;
  if (isFrame(f)) return payloadFrameIntact(f[0], f[1]);
  return f.every((c) => payloadFrameIntact(c[0], c[1]));
}

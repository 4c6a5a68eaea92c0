import { encodeBatch } from '../protocol/batch';
import { closeProducerFrame, producerFrame, sendFrame } from '../protocol/commands';
import type { Codec } from '../protocol/compression';
import { AccessMode, BaseCommand, encodeMessageMetadata, MessageMetadata, SchemaData, ServerError } from '../protocol/proto';
import { Backoff, sleep } from './backoff';
import { BatchContainer, KeyBasedBatchContainer } from './batch-container';
import type { ProducerConfig } from './config';
import { Connection, ProducerListener } from './connection';
import { ConnectionPool } from './connection-pool';
import { ClosedError, CortadoError, MessageTooLargeError, ProducerBusyError, ProducerFencedError } from './errors';
import { LookupService } from './lookup-service';
import type { OutgoingMessage } from './message';
import { errorFromServer } from './server-errors';

export interface ProducerContext {
  pool: ConnectionPool;
  lookup: LookupService;
  config: ProducerConfig;
  codec?: Codec;
  schema?: SchemaData;
  accessMode: AccessMode;
}

/** One entry on the wire (a message, a batch, or every chunk of a message) awaiting its receipt. */
interface InFlight {
  sequenceId: number;
  frames: [Buffer, Uint8Array][];
  messages: OutgoingMessage[];
  batched: boolean;
  chunks: number;
  chunkReceipts: number;
}

type State = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' | 'fenced';

// ledgerId/entryId of 2^64-1 mark a send the broker dropped as a duplicate.
const DUPLICATE_ID = 2 ** 63;

/**
 * A Pulsar producer on one topic-partition: registers on the owning broker's connection, numbers
 * messages with sequence ids, batches and chunks them, and keeps every unacknowledged send so a
 * reconnect resends it with its original sequence id.
 */
export class PartitionProducer implements ProducerListener {
  readonly producerId = Connection.newResourceId();
  producerName?: string;
  topicEpoch?: number;
  schemaVersion?: Uint8Array;
  /** called whenever the producer becomes ready to take writes */
  onReady?: () => void;

  private state: State = 'idle';
  private conn?: Connection;
  private nextSequenceId = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private epoch = 0;
  private readonly backoff = new Backoff();
  private readonly batch?: BatchContainer;
  private batchTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private terminalError?: CortadoError;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    /** the Pulsar topic this producer writes: `T` or `T-partition-i` */
    readonly topicName: string,
    /** the topic the app named and the partition index reported in message ids */
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: ProducerContext,
  ) {
    const c = ctx.config;
    if (c.batchingEnabled) {
      const limits = { maxMessages: c.batchingMaxMessages, maxBytes: c.batchingMaxBytes };
      this.batch = c.batchBuilder === 'key_based' ? new KeyBasedBatchContainer(limits) : new BatchContainer(limits);
    }
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Set when the producer can never send again (fenced or closed): queued messages fail with it. */
  get failure(): CortadoError | undefined {
    return this.terminalError;
  }

  get pendingCount(): number {
    return this.inFlight.size;
  }

  /** Registers with the broker; rejects with the typed reason when registration fails. */
  async start(): Promise<void> {
    this.state = 'connecting';
    try {
      await this.register();
    } catch (err) {
      this.state = 'closed';
      // the broker answers ProducerFenced to a newcomer on an exclusively held topic: it was never fenced, the topic is busy
      const e = err instanceof ProducerFencedError ? new ProducerBusyError(err.message) : (err as CortadoError);
      this.terminalError = e;
      throw e;
    }
  }

  private async register(): Promise<void> {
    const c = this.ctx.config;
    await sleep(c.startupDelayMs + Math.floor(Math.random() * (c.startupJitterMs + 1)));
    if (this.state !== 'connecting') return;
    const where = await this.ctx.lookup.lookup(this.topicName);
    const conn = await this.ctx.pool.get(where.address, where.proxyToBrokerUrl);
    conn.addProducer(this.producerId, this);
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
            epoch: this.epoch,
            accessMode: this.ctx.accessMode,
            topicEpoch: this.topicEpoch,
            schema: this.ctx.schema,
          }),
        `creating a producer on ${this.topicName}`,
      );
    } catch (err) {
      conn.removeProducer(this.producerId);
      throw err;
    }
    const ok = res.producerSuccess;
    if (this.state !== 'connecting') {
      // closed while registering: release the broker-side producer we just made
      conn.removeProducer(this.producerId);
      conn.write(closeProducerFrame(this.producerId, Connection.newRequestId()));
      return;
    }
    this.conn = conn;
    this.producerName = ok.producerName;
    if (Object.prototype.hasOwnProperty.call(ok, 'topicEpoch')) this.topicEpoch = ok.topicEpoch;
    if (ok.schemaVersion && ok.schemaVersion.length > 0) this.schemaVersion = ok.schemaVersion;
    if (ok.lastSequenceId >= this.nextSequenceId) this.nextSequenceId = ok.lastSequenceId + 1;
    this.state = 'ready';
    this.backoff.reset();
    this.resendInFlight();
    this.onReady?.();
  }

  /** Takes one message; the worker calls this in send order and only when ready. */
  write(msg: OutgoingMessage): void {
    if (msg.settled) return;
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
    md.compression = codec.type;
    md.uncompressedSize = bytes.length;
    return codec.compress(bytes);
  }

  private sendOne(msg: OutgoingMessage): void {
    const sequenceId = this.nextSequenceId;
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
    const limit = this.conn!.maxMessageSize;
    if (metadata.length + payload.length > limit) {
      if (this.ctx.config.chunkingEnabled) return this.sendChunks(msg, md, payload);
      return this.settleError(msg, new MessageTooLargeError(metadata.length + payload.length, limit));
    }
    this.nextSequenceId++;
    const frame = sendFrame({ producerId: this.producerId, sequenceId }, metadata, payload);
    this.track({ sequenceId, frames: [frame], messages: [msg], batched: false, chunks: 1, chunkReceipts: 0 });
  }

  private sendBatch(msgs: OutgoingMessage[]): void {
    const sequenceId = this.nextSequenceId;
    const highestSequenceId = sequenceId + msgs.length - 1;
    const body = encodeBatch(
      msgs.map((m, i) => ({
        metadata: {
          payloadSize: m.payload.length,
          partitionKey: m.partitionKey,
          partitionKeyB64Encoded: m.partitionKeyB64 || undefined,
          orderingKey: m.orderingKey,
          properties: m.properties,
          eventTime: m.eventTime,
          sequenceId: sequenceId + i,
          nullValue: m.nullValue || undefined,
        },
        payload: m.payload,
      })),
    );
    const md = this.baseMetadata(sequenceId);
    const first = msgs[0];
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
      for (const m of msgs) this.settleError(m, err);
      return;
    }
    this.nextSequenceId += msgs.length;
    const frame = sendFrame(
      { producerId: this.producerId, sequenceId, numMessages: msgs.length, highestSequenceId },
      metadata,
      payload,
    );
    this.track({ sequenceId, frames: [frame], messages: msgs, batched: true, chunks: 1, chunkReceipts: 0 });
  }

  // Chunks share one sequence id; each repeats the metadata with its chunk id (protocol chunking rules).
  private sendChunks(msg: OutgoingMessage, md: MessageMetadata, payload: Uint8Array): void {
    const sequenceId = this.nextSequenceId;
    const limit = Math.min(this.ctx.config.maxMessageSize, this.conn!.maxMessageSize);
    md.uuid = `${this.producerName}-${sequenceId}`;
    md.totalChunkMsgSize = payload.length;
    md.numChunksFromMsg = Math.ceil(payload.length / 1024);
    md.chunkId = md.numChunksFromMsg;
    // size the metadata with its chunk fields filled in, plus slack for varints that grow
    const chunkSize = limit - encodeMessageMetadata(md).length - 16;
    const chunks = Math.ceil(payload.length / chunkSize);
    md.numChunksFromMsg = chunks;
    if (md.uncompressedSize === undefined) md.uncompressedSize = payload.length;
    const frames: [Buffer, Uint8Array][] = [];
    for (let i = 0; i < chunks; i++) {
      md.chunkId = i;
      const part = payload.subarray(i * chunkSize, Math.min(payload.length, (i + 1) * chunkSize));
      frames.push(sendFrame({ producerId: this.producerId, sequenceId, isChunk: true }, encodeMessageMetadata(md), part));
    }
    this.nextSequenceId++;
    this.track({ sequenceId, frames, messages: [msg], batched: false, chunks, chunkReceipts: 0 });
  }

  private track(entry: InFlight): void {
    this.inFlight.set(entry.sequenceId, entry);
    for (const f of entry.frames) this.conn!.write(f);
  }

  private resendInFlight(): void {
    for (const [seq, entry] of this.inFlight) {
      if (entry.messages.every((m) => m.settled)) {
        this.inFlight.delete(seq);
        continue;
      }
      entry.chunkReceipts = 0;
      for (const f of entry.frames) this.conn!.write(f);
    }
    this.flush();
  }

  onSendReceipt(cmd: BaseCommand): void {
    const r = cmd.sendReceipt;
    const entry = this.inFlight.get(r.sequenceId);
    if (!entry) return;
    if (++entry.chunkReceipts < entry.chunks) return;
    this.inFlight.delete(r.sequenceId);
    const dup = r.messageId.ledgerId >= DUPLICATE_ID;
    const ledgerId = dup ? -1 : r.messageId.ledgerId;
    const entryId = dup ? -1 : r.messageId.entryId;
    const msgs = entry.messages;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i];
      if (m.settled) continue;
      m.settled = true;
      if (m.timer) clearTimeout(m.timer);
      m.resolve(
        entry.batched
          ? { topic: this.topic, partition: this.partition, ledgerId, entryId, batchIndex: i }
          : { topic: this.topic, partition: this.partition, ledgerId, entryId },
      );
    }
    this.notifyIfIdle();
  }

  onSendError(cmd: BaseCommand): void {
    const e = cmd.sendError;
    const entry = this.inFlight.get(e.sequenceId);
    if (e.error === ServerError.ProducerFenced) return this.fence(errorFromServer(e.error, e.message, `send on ${this.topicName}`));
    if (e.error === ServerError.ChecksumError && entry) {
      // the bytes were damaged in transit: the same frames go again
      for (const f of entry.frames) this.conn?.write(f);
      return;
    }
    if (!entry) return;
    this.inFlight.delete(e.sequenceId);
    const err = errorFromServer(e.error, e.message, `send on ${this.topicName}`);
    for (const m of entry.messages) this.settleError(m, err);
    this.notifyIfIdle();
  }

  onCloseProducer(): void {
    this.lostConnection();
  }

  onTopicMigrated(): void {
    this.conn?.removeProducer(this.producerId);
    this.lostConnection();
  }

  onConnectionClosed(): void {
    this.lostConnection();
  }

  private lostConnection(): void {
    if (this.state !== 'ready' && this.state !== 'connecting') return;
    this.conn = undefined;
    this.state = 'connecting';
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.register().catch((err: CortadoError) => {
        if (err instanceof ProducerFencedError) return this.fence(err);
        if (this.state === 'connecting') this.scheduleReconnect();
      });
    }, delay);
  }

  private fence(err: CortadoError): void {
    this.state = 'fenced';
    this.terminalError = err;
    this.conn?.removeProducer(this.producerId);
    this.conn = undefined;
    this.failAll(err);
    this.onReady?.();
  }

  private settleError(msg: OutgoingMessage, err: Error): void {
    if (msg.settled) return;
    msg.settled = true;
    if (msg.timer) clearTimeout(msg.timer);
    msg.reject(err);
  }

  /** Fails every message this producer holds (in flight or batched). */
  failAll(err: CortadoError): void {
    if (this.batch) for (const group of this.batch.drain()) for (const m of group) this.settleError(m, err);
    for (const entry of this.inFlight.values()) for (const m of entry.messages) this.settleError(m, err);
    this.inFlight.clear();
    this.notifyIfIdle();
  }

  /** Resolves once every message handed to this producer has a receipt, an error or a timeout. */
  whenIdle(): Promise<void> {
    this.flush();
    if (this.allSettled()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** A message's own timer settled it: whoever waits for idleness may be done. */
  messageSettled(): void {
    this.notifyIfIdle();
  }

  private allSettled(): boolean {
    if (this.batch?.hasUnsettled()) return false;
    for (const e of this.inFlight.values()) for (const m of e.messages) if (!m.settled) return false;
    return true;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.allSettled()) return;
    for (const r of this.idleWaiters.splice(0)) r();
  }

  /** Sends CLOSE_PRODUCER and stops; anything still unsent fails with a ClosedError. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closing';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    const conn = this.conn;
    this.conn = undefined;
    if (conn && wasReady && !conn.closed) {
      conn.removeProducer(this.producerId);
      try {
        await conn.request((id) => closeProducerFrame(this.producerId, id), `closing the producer on ${this.topicName}`);
      } catch {
        // the broker drops our producer with the connection anyway
      }
    }
    this.state = 'closed';
    this.terminalError = new ClosedError(`the producer on ${this.topicName} is closed`);
    this.failAll(this.terminalError);
  }
}

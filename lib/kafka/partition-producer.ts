import { ERROR_CODE } from '../../protocol/kafka';
import {
  encodeRecordBatch,
  KafkaCodec,
  KafkaCompression,
  kafkaErrorOf,
  ProducePartitionResponse,
  RecordInput,
  restampRecordBatch,
} from '../../protocol/kafka';
import { Admission } from '../core/admission';
import type { PartitionSink, SinkHooks, SinkLine } from '../core/backend';
import type { HandlerState } from '../core/diagnostics';
import { ClosedError, CortadoError, InvalidArgumentError, TimeoutError } from '../core/errors';
import type { OutgoingMessage } from '../core/message';
import type { KafkaCluster } from './cluster';
import { kafkaError } from './errors';
import type { ProduceDispatcher } from './produce-dispatcher';
import type { ProducerIdentity } from './producer-identity';
import { RecordMetadata } from './record-metadata';

/** What every partition producer of one cortado Producer shares. */
export interface KafkaProducerContext {
  cluster: KafkaCluster;
  /** gathers the batches sent in one tick into one Produce request per broker */
  dispatcher: ProduceDispatcher;
  /** undefined when idempotence is off */
  identity?: ProducerIdentity;
  compression: KafkaCompression;
  codec?: KafkaCodec;
  acks: -1 | 0 | 1;
  lingerMs: number;
  maxBatchBytes: number;
  maxBatchMessages: number;
  maxInFlight: number;
  maxPendingMessages: number;
  retryBackoffMs: number;
  operationTimeoutMs: number;
  startupDelayMs: number;
  startupJitterMs: number;
}

interface Batch {
  messages: OutgoingMessage[];
  bytes: number;
  /** the first record's sequence number; -1 until numbered */
  baseSequence: number;
  /** the identity generation it was numbered under */
  generation: number;
  encoded?: Buffer;
}

const EMPTY = new Uint8Array(0);
// A compressed batch fills only the start of its space: the whole space goes back, or a small frame keeps the pool from taking it.
const spaceOf = (b: Buffer): Buffer => (b.byteOffset === 0 ? Buffer.from(b.buffer, 0, b.buffer.byteLength) : b);
// Answers that mean an earlier batch of this partition failed, or the producer's state was lost.
const { INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID } = ERROR_CODE;
const OUT_OF_ORDER = ERROR_CODE.OUT_OF_ORDER_SEQUENCE_NUMBER;
const DUPLICATE_SEQUENCE = ERROR_CODE.DUPLICATE_SEQUENCE_NUMBER;

/**
 * One Kafka topic-partition's sink (the Java client's per-partition deque of the RecordAccumulator
 * and its Sender): messages gather in a batch (linger and size), up to `maxInFlight` batches wait
 * for their Produce answer, and a retriable error sends every unanswered batch again, in order,
 * with its sequence numbers, after a metadata refresh.
 */
export class KafkaPartitionProducer implements PartitionSink {
  readonly topicName: string;
  worker?: SinkLine;
  failure?: CortadoError;
  private state: HandlerState = 'idle';
  private readonly admission: Admission;
  private open?: Batch;
  private queued: Batch[] = [];
  private inflight: Batch[] = [];
  /** requests sent and not answered (an answer may come for a batch already requeued) */
  private outstanding = 0;
  private recovering = false;
  /** the one resend loop runs */
  private resending = false;
  /** an unanswered batch was given up (timeout) or refused for good: later sequences must be renumbered */
  private gap = false;
  private lingerTimer?: NodeJS.Timeout;
  /** the open batch waited its linger: it goes as soon as a request slot is free */
  private openDue = false;
  private sweepTimer?: NodeJS.Timeout;
  private tickets = 0;
  private readonly flushWaiters: Array<{ upTo: number; done(): void }> = [];
  private closing = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: KafkaProducerContext,
    private readonly hooks: SinkHooks,
  ) {
    this.topicName = `${topic}-${partition}`;
    this.admission = new Admission(ctx.maxPendingMessages, hooks.memory, `${topic} partition ${partition}`);
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  private setState(to: HandlerState, error?: CortadoError): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    try {
      this.hooks.onStateChange({ topic: this.topicName, from, to, error });
    } catch {
      // an observer's bug must not stop the lifecycle
    }
  }

  /** Learns the partition's leader and the producer id; transient errors retry until operationTimeoutMs. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new ClosedError(`the producer of ${this.topicName} was already started`);
    this.setState('connecting');
    const c = this.ctx;
    const delay = c.startupDelayMs + Math.floor(Math.random() * (c.startupJitterMs + 1));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    try {
      await c.identity?.init();
      if (c.cluster.leaderOf(this.topic, this.partition) < 0) await c.cluster.partitionCount(this.topic);
      await c.cluster.connectionToNode(c.cluster.leaderOf(this.topic, this.partition));
    } catch (err) {
      const e = err instanceof CortadoError ? err : new ClosedError(String(err));
      this.failure = e;
      this.setState('failed', e);
      this.worker?.drain();
      throw e;
    }
    if (this.closing) return;
    this.setState('ready');
    this.worker?.drain();
  }

  // ---- admission (maxPendingMessages and the client's memory budget) ----

  tryAdmit(size: number): boolean {
    return this.admission.tryAdmit(size);
  }

  admit(size: number): Promise<void> {
    return this.admission.admit(size);
  }

  queueFullError(size: number): CortadoError {
    return this.admission.queueFullError(size);
  }

  issueTicket(): number {
    return ++this.tickets;
  }

  failMessage(msg: OutgoingMessage, err: Error): void {
    if (this.admission.settle(msg)) msg.reject(err);
    if (this.flushWaiters.length > 0) this.checkFlushed();
  }

  private readonly giveBack = (space: Buffer): void => this.hooks.bodies.give(space);

  private resolveMessage(msg: OutgoingMessage, id: RecordMetadata): void {
    if (this.admission.settle(msg)) msg.resolve(id);
  }

  // ---- batching ----

  /** Takes one message (the worker calls this in send order, only when ready). */
  write(msg: OutgoingMessage): void {
    if (this.failure) {
      this.failMessage(msg, this.failure);
      return;
    }
    const pulsarOnly = msg.orderingKey
      ? 'orderingKey'
      : msg.deliverAtTime !== undefined
        ? 'deliverAt/deliverAfter'
        : msg.sequenceId >= 0
          ? 'sequenceId'
          : undefined;
    if (pulsarOnly) {
      this.failMessage(msg, new InvalidArgumentError(`send option ${pulsarOnly} is a Pulsar option; the kafka backend does not have it`));
      return;
    }
    let b = this.open;
    if (b && b.messages.length > 0 && (b.bytes + msg.size > this.ctx.maxBatchBytes || b.messages.length >= this.ctx.maxBatchMessages)) {
      this.queued.push(b);
      b = undefined;
    }
    if (!b) {
      b = { messages: [], bytes: 0, baseSequence: -1, generation: -1 };
      this.open = b;
    }
    b.messages.push(msg);
    b.bytes += msg.size;
    if (msg.deadline !== 0) this.armSweep();
    if (this.ctx.lingerMs === 0) {
      // no linger: a batch left open while every request slot is busy goes on the next answer
      this.openDue = true;
      this.pump(true);
    } else {
      if (this.queued.length > 0) this.pump(false);
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        this.openDue = true;
        this.pump(true);
      }, this.ctx.lingerMs);
    }
  }

  /** A message waiting in the worker's line still times out. */
  watch(deadline: number): void {
    if (deadline !== 0) this.armSweep();
  }

  /** Sends the open batch now (or as soon as a request slot is free). */
  flush(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.openDue = true;
    this.pump(true);
  }

  // Sends batches while fewer than maxInFlight wait for answers; the open batch only when `takeOpen`
  // (or always without linger: no timer will come for it, so a freed slot must take it).
  private pump(takeOpen: boolean): void {
    while (!this.recovering && this.inflight.length < this.ctx.maxInFlight) {
      let b = this.queued.shift();
      // without linger the open batch is due at once: it only gathered while every slot was busy
      if (!b && (takeOpen || this.openDue || this.ctx.lingerMs === 0) && this.open && this.open.messages.length > 0) {
        b = this.open;
        this.open = undefined;
        this.openDue = false;
      }
      if (!b) return;
      this.send(b);
    }
  }

  private recordsOf(b: Batch): RecordInput[] {
    const now = Date.now();
    return b.messages.map((m) => ({
      // a string key goes into the batch as UTF-8 without a Buffer of its own
      key: m.keyBytes ?? m.partitionKey ?? null,
      value: m.nullValue ? null : m.payload,
      headers: m.properties?.map((p) => [p.key, Buffer.from(p.value, 'utf8')] as [string, Uint8Array]),
      timestamp: m.eventTime ?? now,
    }));
  }

  private send(b: Batch): void {
    const c = this.ctx;
    const id = c.identity;
    if (id && (b.baseSequence < 0 || b.generation !== id.generation)) {
      b.baseSequence = id.takeSequence(this.topicName, b.messages.length);
      b.generation = id.generation;
      // numbered again after an epoch bump: the bytes stay, only the header and its CRC change
      if (b.encoded) restampRecordBatch(b.encoded, id.producerId, id.epoch, b.baseSequence);
    }
    if (!b.encoded) {
      b.encoded = encodeRecordBatch(
        {
          records: this.recordsOf(b),
          compression: c.compression,
          producerId: id ? id.producerId : -1n,
          producerEpoch: id ? id.epoch : -1,
          baseSequence: id ? b.baseSequence : -1,
        },
        c.codec,
        this.hooks.bodies.take,
        this.giveBack,
      );
      // the batch holds the one copy of the payloads now
      for (const m of b.messages) m.payload = EMPTY;
    }
    this.inflight.push(b);
    this.outstanding++;
    c.dispatcher.send(c.cluster.leaderOf(this.topic, this.partition), {
      topic: this.topic,
      partition: this.partition,
      records: b.encoded,
      answered: (pr) => this.answered(b, pr),
      lost: (err) => this.lost(b, err),
    });
  }

  private answered(b: Batch, pr: ProducePartitionResponse | undefined): void {
    this.outstanding--;
    if (!pr) {
      // acks=none: stored or not, nobody will say
      this.settleBatch(b, -1, -1);
      this.afterAnswer();
      return;
    }
    const code = pr.errorCode;
    if (code === 0 || code === DUPLICATE_SEQUENCE) {
      const base = code === 0 ? Number(pr.baseOffset) : -1;
      this.settleBatch(b, base, Number(pr.logAppendTimeMs) >= 0 ? Number(pr.logAppendTimeMs) : -1);
    } else {
      const e = kafkaErrorOf(code);
      const err = kafkaError(code, `produce to ${this.topicName}`, pr.errorMessage);
      const sequenceTrouble = code === OUT_OF_ORDER || code === UNKNOWN_PRODUCER_ID || code === INVALID_PRODUCER_EPOCH;
      if (!e.retriable && !sequenceTrouble) {
        // refused for good (too large, invalid, not authorized): this batch fails, later ones renumber
        this.dropBatch(b, err);
        if (this.ctx.identity) {
          this.gap = true;
          // renumber under a new epoch before anything later goes: under the old numbers the broker refuses it out of order
          this.recover(err);
        }
      } else {
        if (sequenceTrouble) this.sequenceError(b, code);
        this.recover(err);
      }
    }
    this.afterAnswer();
  }

  private lost(b: Batch, err: CortadoError): void {
    this.outstanding--;
    if (this.inflight.includes(b) && !this.recovering) {
      this.recovering = true;
      this.noteRecovery(err);
    }
    this.afterAnswer();
  }

  // Out of order right after the last acknowledged batch means the broker lost our state; later
  // out-of-order answers only follow an earlier batch's failure and are resent as they are.
  private sequenceError(b: Batch, code: number): void {
    if (code !== OUT_OF_ORDER || this.inflight[0] === b) this.gap = true;
  }

  private settleBatch(b: Batch, baseOffset: number, logAppendTime: number): void {
    const i = this.inflight.indexOf(b);
    if (i < 0) return;
    this.inflight.splice(i, 1);
    for (let k = 0; k < b.messages.length; k++) {
      const m = b.messages[k];
      const ts = logAppendTime >= 0 ? logAppendTime : (m.eventTime ?? Date.now());
      this.resolveMessage(m, new RecordMetadata(this.topic, this.partition, baseOffset >= 0 ? baseOffset + k : -1, ts));
    }
    // answered, so the socket wrote it: its space serves a later batch (a dropped one may still sit in the socket's queue)
    if (b.encoded && this.ctx.acks !== 0) this.hooks.bodies.give(spaceOf(b.encoded));
    b.encoded = undefined;
  }

  private dropBatch(b: Batch, err: Error): void {
    const i = this.inflight.indexOf(b);
    if (i >= 0) this.inflight.splice(i, 1);
    else {
      const q = this.queued.indexOf(b);
      if (q >= 0) this.queued.splice(q, 1);
    }
    for (const m of b.messages) this.failMessage(m, err);
    b.encoded = undefined;
  }

  private afterAnswer(): void {
    if (this.recovering && this.outstanding === 0 && !this.resending) void this.resend();
    else this.pump(false);
    if (this.flushWaiters.length > 0) this.checkFlushed();
    if (this.closing && this.inflight.length === 0 && this.queued.length === 0) this.checkFlushed();
  }

  /** Stops sending; once every request in flight is answered, resends what is unanswered (afterAnswer starts it). */
  private recover(err: CortadoError): void {
    if (this.recovering) return;
    this.recovering = true;
    this.noteRecovery(err);
  }

  private noteRecovery(err: CortadoError): void {
    this.ctx.cluster.log.debug(`${this.topicName}: ${err.message}; resending after a metadata refresh`);
    if (this.state === 'ready') this.setState('connecting', err);
  }

  private async resend(): Promise<void> {
    this.resending = true;
    try {
      await this.resendLoop();
    } finally {
      this.resending = false;
    }
  }

  private async resendLoop(): Promise<void> {
    const c = this.ctx;
    // what was sent and not answered goes first, in its order, then what never went; a batch
    // that timed out meanwhile is not sent again, and the ones after it are renumbered
    const unanswered = this.inflight.filter((b) => b.messages.some((m) => !m.settled));
    if (unanswered.length !== this.inflight.length && c.identity) this.gap = true;
    this.queued = [...unanswered, ...this.queued];
    this.inflight = [];
    for (;;) {
      if (this.closing && this.failure) return;
      await new Promise((r) => setTimeout(r, c.retryBackoffMs));
      this.expire(Date.now());
      try {
        if (this.gap && c.identity) await c.identity.bump(c.identity.generation);
        this.gap = false;
        await c.cluster.refresh(this.topic);
        const leader = c.cluster.leaderOf(this.topic, this.partition);
        if (leader < 0) continue;
        await c.cluster.connectionToNode(leader);
        break;
      } catch (err) {
        const e = err instanceof CortadoError ? err : new ClosedError(String(err));
        if (!e.canRetry || c.cluster.closed) {
          this.fail(e);
          return;
        }
        c.cluster.log.debug(`${this.topicName}: still recovering: ${e.message}`);
      }
    }
    this.recovering = false;
    if (this.state === 'connecting') this.setState('ready');
    this.worker?.drain();
    this.pump(true);
  }

  // ---- timeouts ----

  private armSweep(): void {
    this.sweepTimer ??= setInterval(() => this.expire(Date.now()), 100);
    this.sweepTimer.unref?.();
  }

  /**
   * Fails every message past its deadline that is not waiting for an answer; a numbered batch that
   * goes leaves a sequence gap, so the ones after it are numbered again under a new epoch.
   */
  private expire(now: number): void {
    const timeout = () => new TimeoutError(`send to ${this.topicName} timed out (sendTimeoutMs)`);
    const expired = (b: Batch) => b.messages.some((m) => !m.settled && m.deadline !== 0 && m.deadline <= now);
    while (this.queued.length > 0 && expired(this.queued[0])) {
      const b = this.queued[0];
      if (b.baseSequence >= 0) this.gap = true;
      this.dropBatch(b, timeout());
    }
    if (this.open && expired(this.open)) {
      const b = this.open;
      this.open = undefined;
      this.dropBatch(b, timeout());
    }
    // a batch on the wire times out as a whole, at its earliest deadline: it is never sent again
    for (const b of this.inflight) if (expired(b)) for (const m of b.messages) this.failMessage(m, timeout());
    this.worker?.failQueued(this, timeout, now);
    // a numbered batch dropped outside a recovery: renumber before anything later goes out
    if (this.gap && !this.recovering) {
      this.recover(timeout());
      if (this.outstanding === 0 && !this.resending) void this.resend();
    }
    if (this.admission.pending === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
  }

  // ---- flush, failure and close ----

  whenFlushed(): Promise<void> {
    this.flush();
    const upTo = this.tickets;
    if (this.oldestUnsettled() > upTo) return Promise.resolve();
    return new Promise((done) => this.flushWaiters.push({ upTo, done }));
  }

  private oldestUnsettled(): number {
    for (const list of [this.inflight, this.queued, this.open ? [this.open] : []])
      for (const b of list) for (const m of b.messages) if (!m.settled) return m.ticket;
    return this.worker?.oldestUnsettled(this) ?? Infinity;
  }

  private checkFlushed(): void {
    const oldest = this.oldestUnsettled();
    for (let i = 0; i < this.flushWaiters.length;) {
      const w = this.flushWaiters[i];
      if (oldest > w.upTo) {
        this.flushWaiters.splice(i, 1);
        w.done();
      } else i++;
    }
  }

  /** Fails everything held, for good. */
  private fail(err: CortadoError): void {
    this.failure = err;
    this.recovering = false;
    for (const b of [...this.inflight, ...this.queued, ...(this.open ? [this.open] : [])])
      for (const m of b.messages) this.failMessage(m, err);
    this.inflight = [];
    this.queued = [];
    this.open = undefined;
    this.worker?.failQueued(this, () => err);
    this.admission.rejectWaiters(err);
    this.setState('failed', err);
    this.checkFlushed();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.setState('closing');
    const err = new ClosedError('the producer is closed');
    if (!this.failure) this.fail(err);
    this.state = 'closed';
  }
}

import { decodeBatch } from '../../protocol/pulsar/batch';
import {
  ackFrame,
  closeConsumerFrame,
  flowFrame,
  getLastMessageIdFrame,
  redeliverFrame,
  seekFrame,
  subscribeFrame,
  unsubscribeFrame,
} from '../../protocol/pulsar/commands';
import { codecIfLoaded } from '../../protocol/compression';
import type { PayloadSection } from '../../protocol/pulsar/frame';
import {
  AckType,
  AckValidationError,
  BaseCommand,
  decodeMessageMetadata,
  InitialPosition,
  MessageIdData,
  MessageMetadata,
  SchemaData,
  SubType,
} from '../../protocol/pulsar/proto';
import { AckGroupingTracker, ackSetHas } from './ack-grouping-tracker';
import { ChunkAssembler, ChunkOutcome } from './chunk-assembler';
import { Connection, ConsumerListener } from './connection';
import type { ConsumerConfig } from '../core/consumer-config';
import type { PulsarConsumerSettings } from './options';
import { BrokerError, ClosedError, ConnectionError, CortadoError, InvalidArgumentError, TimeoutError } from '../core/errors';
import { HandlerBase, HandlerContext } from './handler-base';
import { ACK, EntryFields, EntryHandle, Message, ReceivedMessage } from './received-message';
import { idKey, TrackedEntry, UnackedTracker } from './unacked-tracker';
import { beforeStart, comparePositions, signedId, StartPosition } from './start-position';

export interface ConsumerContext extends HandlerContext {
  config: ConsumerConfig & PulsarConsumerSettings;
  subType: SubType;
  /** the value schema sent in SUBSCRIBE, so the broker checks it against the topic's */
  schema?: SchemaData;
  /** the app value of a message's bytes (the consumer's schema option); read by ReceivedMessage.decoded */
  decodeValue?: (bytes: Buffer, schemaVersion?: Buffer) => unknown;
  /** messages of one entry, in order, for the app */
  deliver(pc: PartitionConsumer, messages: Message[]): void;
  /** an entry that could not become a message (bad checksum, undecodable, lost chunk) */
  skip(pc: PartitionConsumer, reason: string): void;
  endOfTopic(pc: PartitionConsumer): void;
  /** the subscription ended for good (a terminal broker error after it had been ready) */
  failed?(pc: PartitionConsumer, err: CortadoError): void;
  /** sends messages to the dead letter topic; resolves once the broker stored them */
  deadLetter?(pc: PartitionConsumer, messages: ReceivedMessage[]): Promise<void>;
  /** told what went wrong where nobody waits for it (a dead letter send that failed) */
  warn?(message: string): void;
  /** set for a non-durable subscription (a Reader's): where it starts */
  start?: StartPosition;
}

/** The last message id of a partition and the subscription's mark-delete position, as GET_LAST_MESSAGE_ID answers. */
export interface LastMessageIds {
  last: MessageIdData;
  markDelete?: MessageIdData;
}

/** No entry may claim to inflate past this: a hostile size must not drive an allocation. */
const MAX_UNCOMPRESSED = 512 * 1024 * 1024;

const hasOwn = Object.prototype.hasOwnProperty;

/** The Java client's cap on the ids of one REDELIVER_UNACKNOWLEDGED_MESSAGES. */
const MAX_REDELIVER_IDS = 1000;
/** Ids asked again after an ack timeout, and those acknowledged meanwhile, remembered at most this many. */
const MAX_REMEMBERED = 10_000;

/**
 * A Pulsar consumer on one topic-partition: subscribe (on the shared handler lifecycle), flow
 * permits counted per connection, decode entries, group acks across reconnects.
 */
export class PartitionConsumer extends HandlerBase implements ConsumerListener {
  readonly consumerId = Connection.newResourceId();
  readonly key: string;
  reachedEnd = false;
  /** read by ReceivedMessage.decoded through the entry handle's owner */
  get decodeValue(): ((bytes: Buffer, schemaVersion?: Buffer) => unknown) | undefined {
    return this.ctx.decodeValue;
  }
  /** the consumer epoch sent in SUBSCRIBE and REDELIVER: bumps on every redeliver-all */
  private consumerEpoch = 0;
  /** bumps on every connection loss and every new registration: messages of another generation are stale */
  private connGen = 0;
  private permits = 0;
  private readonly chunks: ChunkAssembler;
  private chunkTimer?: NodeJS.Timeout;
  private readonly acks: AckGroupingTracker;
  /** nacked entries by key: the ids to redeliver and when */
  private readonly nacked = new Map<string, { ids: MessageIdData[]; due: number }>();
  private nackTimer?: NodeJS.Timeout;
  private nackTimerAt = Infinity;
  /** entries handed to the app and not acknowledged (ackTimeoutMs > 0) */
  private readonly unacked?: UnackedTracker;
  private ackTimeoutTimer?: NodeJS.Timeout;
  /** entries asked again after an ack timeout whose copy has not arrived yet */
  private readonly timedOut = new Set<string>();
  /** of those, the ones the app acknowledged meanwhile: their copy is dropped */
  private readonly lateAcked = new Set<string>();
  /** messages that reached maxRedeliverCount, by entry: the next nack or timeout dead-letters them */
  private readonly deadLetterCandidates = new Map<string, ReceivedMessage[]>();
  private readonly deadLettering = new Set<string>();
  private readyWaiters: Array<() => void> = [];
  /** a non-durable subscription's start: moves past each message handed over, and to a seek's target */
  private startAt?: StartPosition;
  /** permits are held, not sent, while paused */
  private paused = false;
  private seeking = false;
  /** messages delivered on this generation and not yet taken by the app */
  private buffered = 0;
  /** the last message the app took: its entry handle and batch index */
  private lastTaken?: EntryHandle;
  private lastTakenIndex?: number;

  constructor(
    topicName: string,
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: ConsumerContext,
  ) {
    super(topicName, ctx);
    this.key = `${topicName}#${this.consumerId}`;
    const c = ctx.config;
    this.chunks = new ChunkAssembler({
      maxPendingMessages: c.maxPendingChunkedMessages,
      maxPendingBytes: c.maxPendingChunkedBytes,
      expireMs: c.chunkExpireMs,
    });
    this.acks = new AckGroupingTracker(
      // what can be in flight around a reconnect: the receiver queue and what the app holds
      { groupTimeMs: c.ackGroupTimeMs, maxGroupSize: c.ackGroupMaxSize, rememberSent: Math.max(1000, 2 * c.receiverQueueSize) },
      (cumulative, ids) => this.writeAcks(cumulative, ids),
    );
    if (c.ackTimeoutMs > 0) this.unacked = new UnackedTracker(c.ackTimeoutMs, Math.min(c.ackTimeoutTickTimeMs, c.ackTimeoutMs));
    this.startAt = ctx.start;
  }

  /** A Reader's subscription: the broker forgets it once no consumer is attached. */
  private get nonDurable(): boolean {
    return this.ctx.start !== undefined;
  }

  /** Whether single entries can be redelivered (else the consumer rewinds) and dead-lettered. */
  private get individualRedelivery(): boolean {
    return this.ctx.subType === SubType.Shared || this.ctx.subType === SubType.Key_Shared;
  }

  override async start(): Promise<void> {
    await super.start();
    this.armAckTimeout();
  }

  // Ticks like the Java tracker: one bucket of handed-over entries expires per tick.
  private armAckTimeout(): void {
    if (!this.unacked || this.ackTimeoutTimer || this.closingOrClosed()) return;
    const c = this.ctx.config;
    this.ackTimeoutTimer = setInterval(() => this.onAckTimeoutTick(), Math.min(c.ackTimeoutTickTimeMs, c.ackTimeoutMs));
    this.ackTimeoutTimer.unref();
  }

  private onAckTimeoutTick(): void {
    const expired = this.unacked!.tick();
    // without a connection there is nothing to ask: the resubscribe redelivers every unacknowledged message
    if (expired.length === 0 || !this.conn || this.state !== 'ready') return;
    for (const e of expired) remember(this.timedOut, idKey(e.entry));
    this.redeliver(expired);
  }

  protected async register(conn: Connection): Promise<void> {
    const c = this.ctx.config;
    conn.addConsumer(this.consumerId, this);
    const start = this.startAt;
    await conn.request(
      (requestId) =>
        subscribeFrame({
          topic: this.topicName,
          subscription: c.subscription,
          subType: this.ctx.subType,
          consumerId: this.consumerId,
          requestId,
          consumerName: c.consumerName,
          initialPosition: c.subscriptionInitialPosition === 'earliest' ? InitialPosition.Earliest : InitialPosition.Latest,
          durable: !this.nonDurable,
          startMessageId: this.nonDurable ? start?.id : undefined,
          startMessageRollbackDurationSec:
            this.nonDurable && start?.rollbackFromMs !== undefined
              ? Math.max(0, Math.ceil((Date.now() - start.rollbackFromMs) / 1000))
              : undefined,
          readCompacted: c.readCompacted || undefined,
          keySharedMeta: this.ctx.subType === SubType.Key_Shared ? { keySharedMode: 0 } : undefined,
          consumerEpoch: this.consumerEpoch,
          schema: this.ctx.schema,
        }),
      `subscribing ${c.subscription} to ${this.topicName}`,
    );
  }

  protected release(conn: Connection, err: unknown): void {
    conn.removeConsumer(this.consumerId);
    // a refusal registered nothing; a timeout or an overtaken success may have: close it on the broker (as the references do)
    if (!conn.closed && !(err instanceof BrokerError)) conn.write(closeConsumerFrame(this.consumerId, Connection.newRequestId()));
  }

  protected becameReady(): void {
    this.newGeneration();
    // acks first, so the broker does not dispatch again what they cover; then the whole queue once (held while paused)
    this.acks.flush();
    if (this.paused) this.permits = this.ctx.config.receiverQueueSize;
    else this.conn!.write(flowFrame(this.consumerId, this.ctx.config.receiverQueueSize));
    for (const w of this.readyWaiters.splice(0)) w();
  }

  protected override onDisconnected(): void {
    // whatever was received on the lost connection and not handed over comes again after resubscribing
    this.newGeneration();
    this.chunks.clear();
    this.armChunkTimer();
    // everything unacknowledged comes again with its redelivery count: track and judge the new copies
    this.unacked?.clear();
    this.deadLetterCandidates.clear();
  }

  protected failPending(err: CortadoError): void {
    this.stopConsumerTimers();
    for (const w of this.readyWaiters.splice(0)) w();
    this.ctx.failed?.(this, err);
  }

  // Messages received before this point are stale: a reconnect, or a seek, moved the subscription.
  private newGeneration(): void {
    this.connGen++;
    this.permits = 0;
    this.buffered = 0;
    // a Reader resubscribes after the last message the app took
    if (this.nonDurable && this.lastTaken) {
      const h = this.lastTaken;
      const batchIndex = this.lastTakenIndex;
      this.startAt = { id: { ...h.entry, batchIndex }, inclusive: false };
    }
  }

  /** Whether a message is a stale copy: received on a lost connection or before a redeliver-all. */
  isStale(h: EntryHandle): boolean {
    return h.conn !== this.connGen || h.epoch !== this.consumerEpoch;
  }

  /** Whether the app still needs this message: not stale and not already acknowledged. */
  wanted(h: EntryHandle, batchIndex: number | undefined): boolean {
    if (this.isStale(h) || this.acks.isDuplicate(h.entry)) return false;
    return !(h.batch && batchIndex !== undefined && h.batch.ackedIndexes.has(batchIndex));
  }

  /** The app took (or dropped) a message: its permit goes back to the connection that delivered it. */
  consumed(h: EntryHandle): void {
    if (h.conn !== this.connGen) return;
    this.buffered--;
    this.returnPermits(1);
  }

  /** The app got a message of this entry: the ack timeout starts (once per entry). */
  handedOver(h: EntryHandle, batchIndex?: number): void {
    if (this.isStale(h)) return;
    // two fields, not an object: this runs for every message handed over
    this.lastTaken = h;
    this.lastTakenIndex = batchIndex;
    if (this.unacked) this.unacked.add(trackedOf(h));
  }

  private returnPermits(n: number): void {
    this.permits += n;
    if (!this.paused && this.permits >= Math.max(1, this.ctx.config.receiverQueueSize >> 1) && this.conn) {
      this.conn.write(flowFrame(this.consumerId, this.permits));
      this.permits = 0;
    }
  }

  onMessage(cmd: BaseCommand, section: PayloadSection): void {
    const m = cmd.message;
    const entry: MessageIdData = { ledgerId: m.messageId.ledgerId, entryId: m.messageId.entryId };
    if (!section.checksumOk) {
      return this.reject(
        entry,
        AckValidationError.ChecksumMismatch,
        `entry ${entry.ledgerId}:${entry.entryId} failed its CRC-32C check`,
        Math.min(permitsOf(section.metadata), this.ctx.config.receiverQueueSize),
      );
    }
    let md: MessageMetadata;
    try {
      md = decodeMessageMetadata(section.metadata);
    } catch (err) {
      return this.reject(
        entry,
        AckValidationError.BatchDeSerializeError,
        `entry ${entry.ledgerId}:${entry.entryId} has undecodable metadata: ${(err as Error).message}`,
      );
    }
    const batched = hasOwn.call(md, 'numMessagesInBatch');
    // the broker counts a batch's permits per message
    const n = batched ? Math.max(1, md.numMessagesInBatch!) : 1;
    if ((hasOwn.call(m, 'consumerEpoch') && m.consumerEpoch < this.consumerEpoch) || this.acks.isDuplicate(entry)) {
      // sent before our redeliver-all, or a redelivered copy of an entry whose ack is pending
      return this.returnPermits(n);
    }
    let payload = section.payload as Buffer;
    let chunkIds: MessageIdData[] | undefined;
    if ((md.numChunksFromMsg ?? 0) > 1 && md.uuid) {
      const whole = this.addChunk(md, entry, payload);
      if (!whole) return;
      payload = whole.payload as Buffer;
      chunkIds = whole.ids;
    }
    if (md.compression) {
      const codec = codecIfLoaded(md.compression as number);
      try {
        if (!codec) throw new Error(`codec ${md.compression} is not loaded`);
        if ((md.uncompressedSize ?? 0) > MAX_UNCOMPRESSED)
          throw new Error(`uncompressed_size ${md.uncompressedSize} exceeds ${MAX_UNCOMPRESSED} bytes`);
        const out = codec.decompress(payload, md.uncompressedSize ?? 0);
        // messages carry Buffers; wrap the codec's bytes without copying them
        payload = Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      } catch (err) {
        this.writeAcks(false, chunkIds ?? [entry], AckValidationError.DecompressionError);
        this.returnPermits(n);
        this.ctx.skip(this, `entry ${entry.ledgerId}:${entry.entryId} does not decompress: ${(err as Error).message}`);
        return;
      }
    }
    const last = chunkIds ? chunkIds[chunkIds.length - 1] : entry;
    if (this.timedOut.size > 0 && this.ackedMeanwhile(last, chunkIds ?? [entry])) return this.returnPermits(batched && !chunkIds ? n : 1);
    if (batched && !chunkIds) return this.deliverBatch(m, md, entry, payload, n);
    const fields = this.entryFields(m, md, { owner: this, conn: this.connGen, epoch: this.consumerEpoch, entry: last, chunkIds });
    // a Reader drops what lies before its start within the start entry
    if (this.startAt?.id && beforeStart(this.startAt, last)) return this.returnPermits(1);
    const msgs = [new ReceivedMessage(fields, last, undefined, md, payload, md.sequenceId)];
    if (this.overRedelivered(last, msgs)) return this.returnPermits(1);
    this.hand(msgs);
  }

  private hand(msgs: Message[]): void {
    this.buffered += msgs.length;
    this.ctx.deliver(this, msgs);
  }

  // A copy asked for by an ack timeout, of a message the app acknowledged after the ask: dropped, and acked again.
  private ackedMeanwhile(entry: MessageIdData, ids: MessageIdData[]): boolean {
    const key = idKey(entry);
    if (!this.timedOut.delete(key) || !this.lateAcked.delete(key)) return false;
    this.acks.addIndividual(ids);
    return true;
  }

  // As the Java client: at maxRedeliverCount a message is handed over once more and remembered, so its next
  // nack or ack timeout dead-letters it; past it (a copy after a reconnect) it goes to the dead letter topic at once.
  private overRedelivered(entry: MessageIdData, msgs: ReceivedMessage[]): boolean {
    const policy = this.ctx.config.deadLetterPolicy;
    if (!policy || !this.ctx.deadLetter || !this.individualRedelivery || msgs.length === 0) return false;
    const count = msgs[0].redeliveryCount;
    if (count < policy.maxRedeliverCount) return false;
    const key = idKey(entry);
    this.deadLetterCandidates.set(key, msgs);
    if (count === policy.maxRedeliverCount) return false;
    this.deadLetter(key, trackedOf(msgs[0][ACK]));
    return true;
  }

  private deliverBatch(m: BaseCommand['message'], md: MessageMetadata, entry: MessageIdData, payload: Buffer, n: number): void {
    const batch = this.acks.batchState(entry, n);
    // the broker's ack set (batch-index acks) names the indexes still unacknowledged: the others were acknowledged before
    if (m.ackSet && m.ackSet.length > 0) {
      for (let i = 0; i < n; i++) {
        if (ackSetHas(m.ackSet, i) || batch.ackedIndexes.has(i)) continue;
        batch.ackedIndexes.add(i);
        batch.acked++;
      }
    }
    const fields = this.entryFields(m, md, { owner: this, conn: this.connGen, epoch: this.consumerEpoch, entry, batch });
    const msgs: Message[] = [];
    let parts;
    try {
      parts = decodeBatch(payload, n);
    } catch (err) {
      return this.reject(
        entry,
        AckValidationError.BatchDeSerializeError,
        `batch ${entry.ledgerId}:${entry.entryId} is malformed: ${(err as Error).message}`,
        n,
      );
    }
    let skipped = 0;
    for (let i = 0; i < parts.length; i++) {
      const s = parts[i].metadata;
      // a message acknowledged from an earlier copy of this batch is not handed over again, nor one before a Reader's start
      if ((batch.acked > 0 && batch.ackedIndexes.has(i)) || (this.startAt?.id && beforeStart(this.startAt, entry, i))) skipped++;
      else
        msgs.push(
          new ReceivedMessage(
            fields,
            entry,
            i,
            s,
            parts[i].payload as Buffer,
            hasOwn.call(s, 'sequenceId') ? s.sequenceId! : md.sequenceId + i,
          ),
        );
    }
    if (skipped) this.returnPermits(skipped);
    if (this.overRedelivered(entry, msgs as ReceivedMessage[])) return this.returnPermits(msgs.length);
    if (msgs.length) this.hand(msgs);
  }

  private entryFields(m: BaseCommand['message'], md: MessageMetadata, handle: EntryHandle): EntryFields {
    return {
      topic: this.topic,
      partition: this.partition,
      publishTime: md.publishTime,
      producerName: md.producerName,
      redeliveryCount: m.redeliveryCount ?? 0,
      schemaVersion: md.schemaVersion && md.schemaVersion.length ? Buffer.from(md.schemaVersion) : undefined,
      handle,
    };
  }

  // Every chunk but the one completing a message gives its permit back at once, so a message of
  // more chunks than receiverQueueSize still completes (the Java client does the same).
  private addChunk(
    md: MessageMetadata,
    entry: MessageIdData,
    payload: Uint8Array,
  ): { payload: Uint8Array; ids: MessageIdData[] } | undefined {
    let whole: { payload: Uint8Array; ids: MessageIdData[] } | undefined;
    for (const o of this.chunks.add(md, entry, payload)) {
      if (o.kind === 'complete') whole = o;
      else this.dropChunks(o);
    }
    if (!whole) this.returnPermits(1);
    this.armChunkTimer();
    return whole;
  }

  private dropChunks(o: ChunkOutcome): void {
    if (o.kind !== 'dropped') return;
    this.writeAcks(false, o.ids);
    this.ctx.skip(this, o.reason);
  }

  // Incomplete chunked messages expire on a timer, not only when another chunk arrives.
  private armChunkTimer(): void {
    if (this.chunkTimer) clearTimeout(this.chunkTimer);
    this.chunkTimer = undefined;
    const at = this.chunks.nextExpiryAt;
    if (at === undefined || this.closingOrClosed()) return;
    this.chunkTimer = setTimeout(
      () => {
        this.chunkTimer = undefined;
        for (const o of this.chunks.expire()) this.dropChunks(o);
        this.armChunkTimer();
      },
      Math.max(1, at - Date.now()),
    );
  }

  // An entry that cannot be read: acknowledge it with the reason, as the Java client does, and report it.
  private reject(entry: MessageIdData, why: AckValidationError, reason: string, permits = 1): void {
    this.writeAcks(false, [entry], why);
    this.returnPermits(permits);
    this.ctx.skip(this, reason);
  }

  /** Acknowledges one message; a batch's entry goes once all of its messages are acknowledged. */
  ack(h: EntryHandle, batchIndex: number | undefined): void {
    if (h.batch && batchIndex !== undefined && !h.chunkIds && !this.acks.ackBatchIndex(h.entry, h.batch, batchIndex)) {
      // part of a batch: with batchIndexAckEnabled the broker learns it now (an ack set), so a redelivery skips it
      if (this.ctx.config.batchIndexAckEnabled) this.acks.addBatchIndex(h.entry, h.batch);
      return;
    }
    this.entryAcked(idKey(h.entry));
    this.acks.addIndividual(h.chunkIds ?? [h.entry]);
  }

  private entryAcked(key: string): void {
    this.unacked?.remove(key);
    this.nacked.delete(key);
    this.deadLetterCandidates.delete(key);
    if (this.timedOut.has(key)) remember(this.lateAcked, key);
  }

  /** Acknowledges everything up to and including this message's entry. */
  ackCumulative(h: EntryHandle, batchIndex: number | undefined): void {
    let id = h.entry;
    if (h.batch && batchIndex !== undefined && batchIndex < h.batch.size - 1) id = { ledgerId: id.ledgerId, entryId: id.entryId - 1 };
    if (id.entryId < 0) return;
    this.unacked?.removeUpTo(id);
    this.acks.addCumulative(id);
  }

  private writeAcks(cumulative: boolean, ids: MessageIdData[], validationError?: AckValidationError): boolean {
    if (!this.conn || this.state !== 'ready') return false;
    this.conn.write(ackFrame(this.consumerId, cumulative ? AckType.Cumulative : AckType.Individual, ids, validationError));
    return true;
  }

  /**
   * Negative acknowledgement: the entry is redelivered after negativeAckRedeliveryDelayMs, or after
   * the backoff's delay for its redelivery count when negativeAckRedeliveryBackoff is set.
   */
  nack(h: EntryHandle, redeliveryCount = 0): void {
    const key = idKey(h.entry);
    // a nack is an answer: the ack timeout no longer applies (as in the Java client)
    this.unacked?.remove(key);
    const due = Date.now() + this.nackDelay(redeliveryCount);
    const known = this.nacked.get(key);
    // the messages of one batch share an entry: the earliest nack of them sets its time
    if (!known || due < known.due) this.nacked.set(key, { ids: h.chunkIds ?? [h.entry], due });
    this.armNackTimer();
  }

  /** min(maxDelayMs, minDelayMs × multiplier^redeliveryCount), as the Java client's MultiplierRedeliveryBackoff. */
  nackDelay(redeliveryCount: number): number {
    const b = this.ctx.config.negativeAckRedeliveryBackoff;
    if (!b) return this.ctx.config.negativeAckRedeliveryDelayMs;
    if (redeliveryCount <= 0 || b.minDelayMs <= 0) return b.minDelayMs;
    return Math.min(b.maxDelayMs, Math.floor(b.minDelayMs * Math.pow(b.multiplier, redeliveryCount)));
  }

  private armNackTimer(): void {
    let at = Infinity;
    for (const n of this.nacked.values()) if (n.due < at) at = n.due;
    if (at === this.nackTimerAt || this.closingOrClosed()) return;
    if (this.nackTimer) clearTimeout(this.nackTimer);
    this.nackTimer = undefined;
    this.nackTimerAt = at;
    if (at === Infinity) return;
    this.nackTimer = setTimeout(() => this.onNackTimer(), Math.max(0, at - Date.now()));
  }

  private onNackTimer(): void {
    this.nackTimer = undefined;
    this.nackTimerAt = Infinity;
    const now = Date.now();
    const due: TrackedEntry[] = [];
    for (const [key, n] of this.nacked) {
      if (n.due > now) continue;
      this.nacked.delete(key);
      due.push({ entry: n.ids[n.ids.length - 1], ids: n.ids });
    }
    this.armNackTimer();
    // while reconnecting there is nothing to ask: the resubscribe redelivers every unacknowledged message
    if (due.length === 0 || !this.conn || this.state !== 'ready') return;
    this.redeliver(due);
  }

  // Redelivers entries: one by one on Shared and Key_Shared (dead-lettering those at maxRedeliverCount),
  // else the consumer rewinds and every unacknowledged message comes again, in order.
  private redeliver(entries: TrackedEntry[]): void {
    // what was acknowledged meanwhile must not come back with the redelivery
    this.acks.flush();
    if (!this.individualRedelivery) {
      this.consumerEpoch++;
      this.unacked?.clear();
      this.conn!.write(redeliverFrame(this.consumerId, [], this.consumerEpoch));
      return;
    }
    const ids: MessageIdData[] = [];
    for (const e of entries) {
      const key = idKey(e.entry);
      if (this.deadLettering.has(key)) continue;
      if (this.deadLetterCandidates.has(key)) this.deadLetter(key, e);
      else ids.push(...e.ids);
    }
    for (let i = 0; i < ids.length; i += MAX_REDELIVER_IDS)
      this.conn!.write(redeliverFrame(this.consumerId, ids.slice(i, i + MAX_REDELIVER_IDS)));
  }

  // Sends an entry's messages to the dead letter topic, then acknowledges it here; a failed send redelivers it instead.
  private deadLetter(key: string, e: TrackedEntry): void {
    const msgs = this.deadLetterCandidates.get(key) ?? [];
    this.deadLetterCandidates.delete(key);
    const h = msgs[0]?.[ACK];
    // messages of a batch acknowledged one by one are not dead-lettered
    const live = msgs.filter(
      (m) => !(h?.batch && m.messageId.batchIndex !== undefined && h.batch.ackedIndexes.has(m.messageId.batchIndex)),
    );
    this.deadLettering.add(key);
    this.ctx.deadLetter!(this, live).then(
      () => {
        this.deadLettering.delete(key);
        this.entryAcked(key);
        this.acks.addIndividual(e.ids);
      },
      (err: unknown) => {
        this.deadLettering.delete(key);
        this.ctx.warn?.(`sending ${key} of ${this.topicName} to the dead letter topic failed, redelivering it: ${(err as Error).message}`);
        if (this.conn && this.state === 'ready') this.conn.write(redeliverFrame(this.consumerId, e.ids));
      },
    );
  }

  /** Stops asking for messages: permits are held, not sent (messages already received are still handed over). */
  pause(): void {
    this.paused = true;
  }

  /** Sends the permits held while paused. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.permits > 0 && this.conn && this.state === 'ready') {
      this.conn.write(flowFrame(this.consumerId, this.permits));
      this.permits = 0;
    }
  }

  /**
   * Resets the subscription to a message id or a publish time (SEEK). The broker closes the
   * subscription to move it; messages received before the reset are dropped, pending acks too, and
   * this resolves once subscribed again. A seek waits for a reconnect and is asked again if the
   * connection drops while it is in flight, until operationTimeoutMs.
   */
  async seek(target: MessageIdData | number): Promise<void> {
    if (this.seeking) throw new InvalidArgumentError(`a seek of ${this.topicName} is already in progress; await it before seeking again`);
    this.seeking = true;
    try {
      const deadline = Date.now() + this.ctx.operationTimeoutMs;
      const what = typeof target === 'number' ? `publish time ${target}` : `${target.ledgerId}:${target.entryId}`;
      for (;;) {
        const conn = await this.readyConnection(deadline, 'seeking');
        // what was acknowledged before the seek reaches the broker before the reset
        this.acks.flush();
        try {
          await conn.request(
            (id) => seekFrame(this.consumerId, id, target),
            `seeking ${this.ctx.config.subscription} on ${this.topicName} to ${what}`,
          );
          break;
        } catch (err) {
          // a seek is idempotent: asked again on the next connection
          if (!(err instanceof ConnectionError || err instanceof TimeoutError) || Date.now() >= deadline) throw err;
        }
      }
      this.sought(target);
      await this.readyConnection(deadline, 'resubscribing after a seek').catch(() => undefined);
    } finally {
      this.seeking = false;
    }
  }

  // The broker moved the subscription: whatever was received, pending or tracked before is of the old position.
  private sought(target: MessageIdData | number): void {
    this.lastTaken = undefined;
    this.newGeneration();
    this.acks.clear();
    this.chunks.clear();
    this.armChunkTimer();
    this.unacked?.clear();
    this.nacked.clear();
    this.armNackTimer();
    this.deadLetterCandidates.clear();
    this.timedOut.clear();
    this.lateAcked.clear();
    if (this.nonDurable) {
      this.startAt =
        typeof target === 'number' ? { inclusive: true, rollbackFromMs: target } : { id: target, inclusive: this.ctx.start!.inclusive };
    }
    // still subscribed (the broker did not close us, or we resubscribed before its answer): messages on
    // the wire may predate the reset, so subscribe again
    if (this.state === 'ready' && this.conn) {
      this.release(this.conn, undefined);
      this.connectionLost();
    }
  }

  /** Deletes the subscription on the broker (UNSUBSCRIBE), then closes like close() without CLOSE_CONSUMER. */
  async unsubscribe(deadline: number): Promise<void> {
    const conn = await this.readyConnection(deadline || Date.now() + this.ctx.operationTimeoutMs, 'unsubscribing');
    await conn.request(
      (id) => unsubscribeFrame(this.consumerId, id),
      `unsubscribing ${this.ctx.config.subscription} from ${this.topicName}`,
    );
    this.acks.close();
    this.beginClose()?.removeConsumer(this.consumerId);
    this.stopConsumerTimers();
    this.finishClose(new ClosedError(`the consumer on ${this.topicName} unsubscribed`));
  }

  /** The id of the last message stored on this partition (entryId -1: none), and where the subscription stands. */
  async getLastMessageId(): Promise<LastMessageIds> {
    const conn = await this.readyConnection(Date.now() + this.ctx.operationTimeoutMs, 'asking for the last message id');
    const cmd = await conn.request(
      (id) => getLastMessageIdFrame(this.consumerId, id),
      `asking for the last message id of ${this.topicName}`,
    );
    const r = cmd.getLastMessageIdResponse;
    const idOf = (d: MessageIdData): MessageIdData => {
      const id: MessageIdData = { ledgerId: signedId(d.ledgerId), entryId: signedId(d.entryId) };
      if (d.batchIndex !== undefined && d.batchIndex >= 0) id.batchIndex = d.batchIndex;
      return id;
    };
    return { last: idOf(r.lastMessageId), markDelete: r.consumerMarkDeletePosition ? idOf(r.consumerMarkDeletePosition) : undefined };
  }

  /** Whether a message is waiting here or stored past what the app has taken (the Java Reader's hasMessageAvailable). */
  async hasMessageAvailable(): Promise<boolean> {
    if (this.buffered > 0) return true;
    const { last, markDelete } = await this.getLastMessageId();
    if (this.buffered > 0) return true;
    if (last.entryId < 0) return false;
    const taken = this.lastTaken;
    if (taken) return comparePositions(last, { ...taken.entry, batchIndex: this.lastTakenIndex }) > 0;
    const start = this.startAt;
    if (start?.id) return start.inclusive ? comparePositions(last, start.id) >= 0 : comparePositions(last, start.id) > 0;
    // nothing taken yet: anything stored past where the subscription stands
    return (
      !markDelete || last.ledgerId > markDelete.ledgerId || (last.ledgerId === markDelete.ledgerId && last.entryId > markDelete.entryId)
    );
  }

  // The connection once subscribed (waiting through a reconnect until `deadline`); a closed or failed consumer throws.
  private async readyConnection(deadline: number, what: string): Promise<Connection> {
    for (;;) {
      if (this.state === 'ready' && this.conn) return this.conn;
      if (this.state !== 'connecting' && this.state !== 'idle')
        throw this.failure ?? new ClosedError(`${what}: the consumer on ${this.topicName} is ${this.state}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`${what}: the consumer on ${this.topicName} was not subscribed within operationTimeoutMs`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.readyWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  onCloseConsumer(): void {
    this.connectionLost();
  }

  onTopicMigrated(): void {
    this.conn?.removeConsumer(this.consumerId);
    this.connectionLost();
  }

  onConnectionClosed(): void {
    this.connectionLost();
  }

  onReachedEndOfTopic(): void {
    this.reachedEnd = true;
    this.ctx.endOfTopic(this);
  }

  /** Acknowledgements not yet written to a broker. */
  get pendingAcks(): number {
    return this.acks.pending;
  }

  private stopConsumerTimers(): void {
    if (this.nackTimer) clearTimeout(this.nackTimer);
    this.nackTimer = undefined;
    this.nackTimerAt = Infinity;
    if (this.ackTimeoutTimer) clearInterval(this.ackTimeoutTimer);
    this.ackTimeoutTimer = undefined;
    if (this.chunkTimer) clearTimeout(this.chunkTimer);
    this.chunkTimer = undefined;
  }

  private closingOrClosed(): boolean {
    return this.state === 'closed' || this.state === 'closing';
  }

  /**
   * Flushes pending acks and closes the subscription on the broker. While reconnecting with acks
   * pending it waits for the resubscribe until `deadline` (epoch ms) so they are not lost.
   */
  async close(deadline = 0): Promise<void> {
    if (this.closingOrClosed()) return;
    if (this.state === 'connecting' && this.acks.pending > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.readyWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      if (this.closingOrClosed()) return;
    }
    this.acks.flush();
    this.acks.close();
    const conn = this.beginClose();
    // a seek or request waiting for the resubscribe learns the consumer closed
    for (const w of this.readyWaiters.splice(0)) w();
    this.stopConsumerTimers();
    if (conn) {
      conn.removeConsumer(this.consumerId);
      await conn
        .request((id) => closeConsumerFrame(this.consumerId, id), `closing the consumer on ${this.topicName}`)
        .catch(() => undefined);
    }
    this.finishClose(new ClosedError(`the consumer on ${this.topicName} was closed`));
  }
}

// The permits a corrupted entry took: its batch size when the metadata still reads, else 1 (callers bound it).
function permitsOf(metadata: Uint8Array): number {
  try {
    const md = decodeMessageMetadata(metadata);
    return hasOwn.call(md, 'numMessagesInBatch') ? Math.max(1, md.numMessagesInBatch!) : 1;
  } catch {
    return 1;
  }
}

function trackedOf(h: EntryHandle): TrackedEntry {
  return { entry: h.entry, ids: h.chunkIds ?? [h.entry] };
}

// Adds to a bounded set: past MAX_REMEMBERED the oldest key is forgotten.
function remember(set: Set<string>, key: string): void {
  set.delete(key);
  set.add(key);
  if (set.size > MAX_REMEMBERED) set.delete(set.values().next().value as string);
}

import { decodeBatch } from '../../protocol/pulsar/batch';
import { ackFrame, closeConsumerFrame, flowFrame, redeliverFrame, subscribeFrame } from '../../protocol/pulsar/commands';
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
  SubType,
} from '../../protocol/pulsar/proto';
import { AckGroupingTracker } from './ack-grouping-tracker';
import { ChunkAssembler, ChunkOutcome } from './chunk-assembler';
import { Connection, ConsumerListener } from './connection';
import type { ConsumerConfig } from '../core/consumer-config';
import type { PulsarConsumerSettings } from './options';
import { BrokerError, ClosedError, CortadoError } from '../core/errors';
import { HandlerBase, HandlerContext } from './handler-base';
import { EntryFields, EntryHandle, Message, ReceivedMessage } from './received-message';

export interface ConsumerContext extends HandlerContext {
  config: ConsumerConfig & PulsarConsumerSettings;
  subType: SubType;
  /** messages of one entry, in order, for the app */
  deliver(pc: PartitionConsumer, messages: Message[]): void;
  /** an entry that could not become a message (bad checksum, undecodable, lost chunk) */
  skip(pc: PartitionConsumer, reason: string): void;
  endOfTopic(pc: PartitionConsumer): void;
  /** the subscription ended for good (a terminal broker error after it had been ready) */
  failed?(pc: PartitionConsumer, err: CortadoError): void;
}

/** No entry may claim to inflate past this: a hostile size must not drive an allocation. */
const MAX_UNCOMPRESSED = 512 * 1024 * 1024;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A Pulsar consumer on one topic-partition: subscribe (on the shared handler lifecycle), flow
 * permits counted per connection, decode entries, group acks across reconnects.
 */
export class PartitionConsumer extends HandlerBase implements ConsumerListener {
  readonly consumerId = Connection.newResourceId();
  readonly key: string;
  reachedEnd = false;
  /** the consumer epoch sent in SUBSCRIBE and REDELIVER: bumps on every redeliver-all */
  private consumerEpoch = 0;
  /** bumps on every connection loss and every new registration: messages of another generation are stale */
  private connGen = 0;
  private permits = 0;
  private readonly chunks: ChunkAssembler;
  private chunkTimer?: NodeJS.Timeout;
  private readonly acks: AckGroupingTracker;
  private nackIds: MessageIdData[] = [];
  private nackTimer?: NodeJS.Timeout;
  private readyWaiters: Array<() => void> = [];

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
    this.acks = new AckGroupingTracker({ groupTimeMs: c.ackGroupTimeMs, maxGroupSize: c.ackGroupMaxSize }, (cumulative, ids) =>
      this.writeAcks(cumulative, ids),
    );
  }

  protected async register(conn: Connection): Promise<void> {
    const c = this.ctx.config;
    conn.addConsumer(this.consumerId, this);
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
          durable: true,
          keySharedMeta: this.ctx.subType === SubType.Key_Shared ? { keySharedMode: 0 } : undefined,
          consumerEpoch: this.consumerEpoch,
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
    this.connGen++;
    this.permits = 0;
    // acks first, so the broker does not dispatch again what they cover; then the whole queue once
    this.acks.flush();
    this.conn!.write(flowFrame(this.consumerId, this.ctx.config.receiverQueueSize));
    for (const w of this.readyWaiters.splice(0)) w();
  }

  protected override onDisconnected(): void {
    // whatever was received on the lost connection and not handed over comes again after resubscribing
    this.connGen++;
    this.permits = 0;
    this.chunks.clear();
    this.armChunkTimer();
  }

  protected failPending(err: CortadoError): void {
    this.stopConsumerTimers();
    for (const w of this.readyWaiters.splice(0)) w();
    this.ctx.failed?.(this, err);
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
    if (h.conn === this.connGen) this.returnPermits(1);
  }

  private returnPermits(n: number): void {
    this.permits += n;
    if (this.permits >= Math.max(1, this.ctx.config.receiverQueueSize >> 1) && this.conn) {
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
    if (batched && !chunkIds) return this.deliverBatch(m, md, entry, payload, n);
    const fields = this.entryFields(m, md, { owner: this, conn: this.connGen, epoch: this.consumerEpoch, entry: last, chunkIds });
    this.ctx.deliver(this, [new ReceivedMessage(fields, last, undefined, md, payload, md.sequenceId)]);
  }

  private deliverBatch(m: BaseCommand['message'], md: MessageMetadata, entry: MessageIdData, payload: Buffer, n: number): void {
    const batch = this.acks.batchState(entry, n);
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
      // a message acknowledged from an earlier copy of this batch is not handed over again
      if (batch.acked > 0 && batch.ackedIndexes.has(i)) skipped++;
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
    if (msgs.length) this.ctx.deliver(this, msgs);
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
    if (h.chunkIds) return this.acks.addIndividual(h.chunkIds);
    if (h.batch && batchIndex !== undefined && !this.acks.ackBatchIndex(h.entry, h.batch, batchIndex)) return;
    this.acks.addIndividual([h.entry]);
  }

  /** Acknowledges everything up to and including this message's entry. */
  ackCumulative(h: EntryHandle, batchIndex: number | undefined): void {
    let id = h.entry;
    if (h.batch && batchIndex !== undefined && batchIndex < h.batch.size - 1) id = { ledgerId: id.ledgerId, entryId: id.entryId - 1 };
    if (id.entryId < 0) return;
    this.acks.addCumulative(id);
  }

  private writeAcks(cumulative: boolean, ids: MessageIdData[], validationError?: AckValidationError): boolean {
    if (!this.conn || this.state !== 'ready') return false;
    this.conn.write(ackFrame(this.consumerId, cumulative ? AckType.Cumulative : AckType.Individual, ids, validationError));
    return true;
  }

  /** Negative acknowledgement: the broker redelivers after the configured delay. */
  nack(h: EntryHandle): void {
    for (const id of h.chunkIds ?? [h.entry]) this.nackIds.push(id);
    if (this.nackTimer) return;
    this.nackTimer = setTimeout(() => {
      this.nackTimer = undefined;
      const ids = dedupe(this.nackIds);
      this.nackIds = [];
      // while reconnecting there is nothing to ask: the resubscribe redelivers every unacknowledged message
      if (!this.conn) return;
      // what was acknowledged meanwhile must not come back with the redelivery
      this.acks.flush();
      if (this.ctx.subType === SubType.Shared || this.ctx.subType === SubType.Key_Shared) {
        this.conn.write(redeliverFrame(this.consumerId, ids));
      } else {
        // exclusive and failover subscriptions rewind: everything unacknowledged comes again
        this.consumerEpoch++;
        this.conn.write(redeliverFrame(this.consumerId, [], this.consumerEpoch));
      }
    }, this.ctx.config.negativeAckRedeliveryDelayMs);
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

function dedupe(ids: MessageIdData[]): MessageIdData[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const k = `${id.ledgerId}:${id.entryId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

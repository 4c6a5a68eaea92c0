import { decodeBatch } from '../protocol/batch';
import { ackFrame, closeConsumerFrame, flowFrame, redeliverFrame, subscribeFrame } from '../protocol/commands';
import { codecIfLoaded } from '../protocol/compression';
import type { PayloadSection } from '../protocol/frame';
import {
  AckType,
  AckValidationError,
  BaseCommand,
  decodeMessageMetadata,
  InitialPosition,
  KeyValue,
  MessageIdData,
  MessageMetadata,
  SubType,
} from '../protocol/proto';
import { Backoff } from './backoff';
import { ChunkAssembler } from './chunk-assembler';
import type { ConsumerConfig } from './consumer-config';
import { Connection, ConsumerListener } from './connection';
import { ConnectionPool } from './connection-pool';
import { LookupService } from './lookup-service';
import type { AckHandle, BatchAckState, Message } from './received-message';

export interface ConsumerContext {
  pool: ConnectionPool;
  lookup: LookupService;
  config: ConsumerConfig;
  subType: SubType;
  /** messages of one entry, in order, for the app */
  deliver(pc: PartitionConsumer, messages: Message[]): void;
  /** an entry that could not become a message (bad checksum, undecodable, lost chunk) */
  skip(pc: PartitionConsumer, reason: string): void;
  endOfTopic(pc: PartitionConsumer): void;
}

type State = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed';

/** No entry may claim to inflate past this: a hostile size must not drive an allocation. */
const MAX_UNCOMPRESSED = 512 * 1024 * 1024;

const EMPTY_PROPS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function props(list: KeyValue[] | undefined): Record<string, string> {
  if (!list || list.length === 0) return EMPTY_PROPS;
  const out: Record<string, string> = {};
  for (const kv of list) out[kv.key] = kv.value;
  return out;
}

/** A Pulsar consumer on one topic-partition: subscribe, flow permits, decode entries, ack. */
export class PartitionConsumer implements ConsumerListener {
  readonly consumerId = Connection.newResourceId();
  /** bumps on every reconnect or redeliver-all so stale local copies are dropped */
  epoch = 0;
  reachedEnd = false;
  private state: State = 'idle';
  private conn?: Connection;
  private permits = 0;
  private readonly backoff = new Backoff();
  private reconnectTimer?: NodeJS.Timeout;
  private readonly chunks: ChunkAssembler;
  private acks: MessageIdData[] = [];
  private ackFlushScheduled = false;
  private nackIds: MessageIdData[] = [];
  private nackTimer?: NodeJS.Timeout;

  constructor(
    readonly topicName: string,
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: ConsumerContext,
  ) {
    const c = ctx.config;
    this.chunks = new ChunkAssembler({
      maxPendingMessages: c.maxPendingChunkedMessages,
      maxPendingBytes: c.maxPendingChunkedBytes,
      expireMs: c.chunkExpireMs,
    });
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  async start(): Promise<void> {
    this.state = 'connecting';
    try {
      await this.subscribe();
    } catch (err) {
      this.state = 'closed';
      throw err;
    }
  }

  private async subscribe(): Promise<void> {
    const c = this.ctx.config;
    const where = await this.ctx.lookup.lookup(this.topicName);
    const conn = await this.ctx.pool.get(where.address, where.proxyToBrokerUrl);
    conn.addConsumer(this.consumerId, this);
    try {
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
          }),
        `subscribing ${c.subscription} to ${this.topicName}`,
      );
    } catch (err) {
      conn.removeConsumer(this.consumerId);
      throw err;
    }
    if (this.state !== 'connecting') {
      conn.removeConsumer(this.consumerId);
      conn.write(closeConsumerFrame(this.consumerId, Connection.newRequestId()));
      return;
    }
    this.conn = conn;
    this.state = 'ready';
    this.backoff.reset();
    this.permits = 0;
    conn.write(flowFrame(this.consumerId, c.receiverQueueSize));
  }

  /** The app took `n` messages (or they were dropped): give the broker room for more. */
  consumed(n: number): void {
    this.permits += n;
    if (this.permits >= Math.max(1, this.ctx.config.receiverQueueSize >> 1) && this.conn) {
      this.conn.write(flowFrame(this.consumerId, this.permits));
      this.permits = 0;
    }
  }

  onMessage(cmd: BaseCommand, section: PayloadSection): void {
    const m = cmd.message;
    if (Object.prototype.hasOwnProperty.call(m, 'consumerEpoch') && m.consumerEpoch < this.epoch) {
      // sent before our redeliver-all: the broker sends it again
      this.consumed(1);
      return;
    }
    const entry: MessageIdData = { ledgerId: m.messageId.ledgerId, entryId: m.messageId.entryId };
    if (!section.checksumOk) return this.reject(entry, AckValidationError.ChecksumMismatch, `entry ${entry.ledgerId}:${entry.entryId} failed its CRC-32C check`);
    let md: MessageMetadata;
    try {
      md = decodeMessageMetadata(section.metadata);
    } catch (err) {
      return this.reject(entry, AckValidationError.BatchDeSerializeError, `entry ${entry.ledgerId}:${entry.entryId} has undecodable metadata: ${(err as Error).message}`);
    }
    let payload = section.payload;
    let chunkIds: MessageIdData[] | undefined;
    if ((md.numChunksFromMsg ?? 0) > 1 && md.uuid) {
      for (const o of this.chunks.add(md, entry, payload)) {
        if (o.kind === 'dropped') {
          this.sendAck(o.ids);
          this.ctx.skip(this, o.reason);
          this.consumed(o.ids.length);
        } else if (o.kind === 'complete') {
          payload = o.payload as Buffer;
          chunkIds = o.ids;
        }
      }
      if (!chunkIds) return;
      // every chunk but the last took a permit the app never sees
      this.consumed(chunkIds.length - 1);
    }
    if (md.compression) {
      const codec = codecIfLoaded(md.compression);
      try {
        if (!codec) throw new Error(`codec ${md.compression} is not loaded`);
        if ((md.uncompressedSize ?? 0) > MAX_UNCOMPRESSED) throw new Error(`uncompressed_size ${md.uncompressedSize} exceeds ${MAX_UNCOMPRESSED} bytes`);
        const out = codec.decompress(payload, md.uncompressedSize ?? 0);
        // messages carry Buffers; wrap the codec's bytes without copying them
        payload = Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      } catch (err) {
        const ids = chunkIds ?? [entry];
        this.sendAck(ids, AckValidationError.DecompressionError);
        this.consumed(1);
        this.ctx.skip(this, `entry ${entry.ledgerId}:${entry.entryId} does not decompress: ${(err as Error).message}`);
        return;
      }
    }
    const base = {
      topic: this.topic,
      partition: this.partition,
      publishTime: md.publishTime,
      producerName: md.producerName,
      redeliveryCount: m.redeliveryCount ?? 0,
      schemaVersion: md.schemaVersion && md.schemaVersion.length ? Buffer.from(md.schemaVersion) : undefined,
    };
    const pid = this.partition;
    if (Object.prototype.hasOwnProperty.call(md, 'numMessagesInBatch') && !chunkIds) {
      let parts;
      try {
        parts = decodeBatch(payload, md.numMessagesInBatch!);
      } catch (err) {
        return this.reject(entry, AckValidationError.BatchDeSerializeError, `batch ${entry.ledgerId}:${entry.entryId} is malformed: ${(err as Error).message}`);
      }
      const batch: BatchAckState = { size: parts.length, acked: 0, ackedIndexes: new Set() };
      const msgs: Message[] = parts.map((p, i) => {
        const s = p.metadata;
        return {
          ...base,
          messageId: { ledgerId: entry.ledgerId, entryId: entry.entryId, batchIndex: i, partition: pid },
          ...keyOf(own(s, 'partitionKey'), s.partitionKeyB64Encoded),
          value: p.payload as Buffer,
          nullValue: s.nullValue === true,
          properties: props(s.properties),
          eventTime: s.eventTime ? s.eventTime : undefined,
          orderingKey: s.orderingKey && s.orderingKey.length ? Buffer.from(s.orderingKey) : undefined,
          sequenceId: Object.prototype.hasOwnProperty.call(s, 'sequenceId') ? s.sequenceId! : md.sequenceId + i,
          _ack: { consumerKey: this.key, epoch: this.epoch, entry, batch, batchIndex: i },
        };
      });
      this.ctx.deliver(this, msgs);
      return;
    }
    const last = chunkIds ? chunkIds[chunkIds.length - 1] : entry;
    const msg: Message = {
      ...base,
      messageId: { ledgerId: last.ledgerId, entryId: last.entryId, partition: pid },
      ...keyOf(own(md, 'partitionKey'), md.partitionKeyB64Encoded),
      value: payload as Buffer,
      nullValue: md.nullValue === true,
      properties: props(md.properties),
      eventTime: md.eventTime ? md.eventTime : undefined,
      orderingKey: md.orderingKey && md.orderingKey.length ? Buffer.from(md.orderingKey) : undefined,
      sequenceId: md.sequenceId,
      _ack: { consumerKey: this.key, epoch: this.epoch, entry: last, chunkIds },
    };
    this.ctx.deliver(this, [msg]);
  }

  get key(): string {
    return `${this.topicName}#${this.consumerId}`;
  }

  // An entry that cannot be read: acknowledge it with the reason, as the Java client does, and report it.
  private reject(entry: MessageIdData, why: AckValidationError, reason: string): void {
    this.sendAck([entry], why);
    this.consumed(1);
    this.ctx.skip(this, reason);
  }

  /** Acknowledges one message; a batch's entry goes once all of its messages are acknowledged. */
  ack(h: AckHandle): void {
    if (h.chunkIds) return this.queueAcks(h.chunkIds);
    if (h.batch) {
      if (h.batch.ackedIndexes.has(h.batchIndex!)) return;
      h.batch.ackedIndexes.add(h.batchIndex!);
      if (++h.batch.acked < h.batch.size) return;
    }
    this.queueAcks([h.entry]);
  }

  /** Acknowledges everything up to and including this message's entry. */
  ackCumulative(h: AckHandle): void {
    let id = h.entry;
    if (h.batch && h.batchIndex! < h.batch.size - 1) id = { ledgerId: id.ledgerId, entryId: id.entryId - 1 };
    if (id.entryId < 0) return;
    this.conn?.write(ackFrame(this.consumerId, AckType.Cumulative, [id]));
  }

  private queueAcks(ids: MessageIdData[]): void {
    for (const id of ids) this.acks.push(id);
    if (this.ackFlushScheduled) return;
    this.ackFlushScheduled = true;
    // one ACK command carries every acknowledgement made in the same tick
    process.nextTick(() => {
      this.ackFlushScheduled = false;
      const ids = this.acks;
      this.acks = [];
      if (ids.length) this.sendAck(ids);
    });
  }

  private sendAck(ids: MessageIdData[], validationError?: AckValidationError): void {
    this.conn?.write(ackFrame(this.consumerId, AckType.Individual, ids, validationError));
  }

  /** Negative acknowledgement: the broker redelivers after the configured delay. */
  nack(h: AckHandle): void {
    for (const id of h.chunkIds ?? [h.entry]) this.nackIds.push(id);
    if (this.nackTimer) return;
    this.nackTimer = setTimeout(() => {
      this.nackTimer = undefined;
      const ids = dedupe(this.nackIds);
      this.nackIds = [];
      if (!this.conn) return;
      if (this.ctx.subType === SubType.Shared || this.ctx.subType === SubType.Key_Shared) {
        this.conn.write(redeliverFrame(this.consumerId, ids));
      } else {
        // exclusive and failover subscriptions rewind: everything unacknowledged comes again
        this.epoch++;
        this.conn.write(redeliverFrame(this.consumerId, [], this.epoch));
      }
    }, this.ctx.config.negativeAckRedeliveryDelayMs);
  }

  onCloseConsumer(): void {
    this.lostConnection();
  }

  onTopicMigrated(): void {
    this.conn?.removeConsumer(this.consumerId);
    this.lostConnection();
  }

  onConnectionClosed(): void {
    this.lostConnection();
  }

  onReachedEndOfTopic(): void {
    this.reachedEnd = true;
    this.ctx.endOfTopic(this);
  }

  private lostConnection(): void {
    if (this.state !== 'ready' && this.state !== 'connecting') return;
    this.conn = undefined;
    this.state = 'connecting';
    // whatever was received but not handed over comes again after resubscribing
    this.epoch++;
    this.chunks.clear();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.subscribe().catch(() => {
        if (this.state === 'connecting') this.scheduleReconnect();
      });
    }, this.backoff.next());
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closing';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.nackTimer) clearTimeout(this.nackTimer);
    const conn = this.conn;
    if (conn && this.acks.length) this.sendAck(this.acks.splice(0));
    this.conn = undefined;
    if (conn && wasReady && !conn.closed) {
      conn.removeConsumer(this.consumerId);
      await conn.request((id) => closeConsumerFrame(this.consumerId, id), `closing the consumer on ${this.topicName}`).catch(() => undefined);
    }
    this.state = 'closed';
  }

}

// Decoded protobuf objects answer defaults for absent fields; only a field that was sent counts.
function own<T extends object, K extends keyof T>(o: T, k: K): T[K] | undefined {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function keyOf(partitionKey: string | undefined, b64: boolean | undefined): { key?: string; keyBytes?: Buffer } {
  if (partitionKey === undefined) return {};
  if (b64) {
    const bytes = Buffer.from(partitionKey, 'base64');
    return { key: partitionKey, keyBytes: bytes };
  }
  return { key: partitionKey };
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

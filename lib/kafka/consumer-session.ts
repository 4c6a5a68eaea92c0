import { DecodedRecord, KafkaCodec, KafkaCompression, loadKafkaCodec } from '../../protocol/kafka';
import type { ConsumerSession, GroupHooks, PartitionSource } from '../core/backend';
import type { ConsumerConfig } from '../core/shapes';
import { CortadoError, InvalidArgumentError, ProtocolError } from '../core/errors';
import type { Log } from '../core/logger';
import type { Message } from '../core/received-message';
import type { KafkaCluster } from './cluster';
import { Fetcher, FetchTarget } from './fetcher';
import { ConsumerGroupMember } from './consumer-group-member';
import { GroupCoordinator, TopicPartition } from './group-coordinator';
import type { KafkaConsumerSettings } from './options';
import { RecordMetadata } from './record-metadata';

export type KafkaConsumerConfig = ConsumerConfig & KafkaConsumerSettings;

// records fetched but not yet handed to the app, per partition, before its fetching pauses
const MAX_BUFFERED = 10_000;
// and their bytes, in fetches' worth: two, so the next fetch is in flight while the app works through the last
const BUFFERED_FETCHES = 2;

/**
 * A Kafka record in the public Message shape (the Java client's ConsumerRecord, in Kaffe's words). Its key and
 * value are views of the fetch response, which stays in memory while any of its messages is kept.
 */
class KafkaMessage implements Message {
  readonly messageId: RecordMetadata;
  readonly key: string | undefined;
  readonly keyBytes: Buffer | undefined;
  readonly value: Buffer;
  readonly nullValue: boolean;
  readonly properties: Record<string, string>;
  readonly eventTime: number;
  readonly publishTime: number;
  readonly producerName = '';
  readonly sequenceId = -1;
  readonly redeliveryCount = 0;
  // which source delivered it and at which of its seeks, kept here instead of a WeakMap entry per message
  #source: KafkaPartitionSource | undefined = undefined;
  #epoch = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    r: DecodedRecord,
  ) {
    const properties: Record<string, string> = {};
    for (let i = 0; i < r.headers.length; i++) properties[r.headers[i][0]] = r.headers[i][1]?.toString('utf8') ?? '';
    this.messageId = new RecordMetadata(topic, partition, Number(r.offset), r.timestamp);
    this.keyBytes = r.key ?? undefined;
    this.key = r.key ? r.key.toString('utf8') : undefined;
    this.value = r.value ?? EMPTY;
    this.nullValue = r.value === null;
    this.properties = properties;
    this.eventTime = r.timestamp;
    this.publishTime = r.timestamp;
  }

  static track(m: KafkaMessage, source: KafkaPartitionSource, epoch: number): void {
    m.#source = source;
    m.#epoch = epoch;
  }

  static sourceOf(m: Message): KafkaPartitionSource | undefined {
    return m instanceof KafkaMessage ? m.#source : undefined;
  }

  static epochOf(m: Message): number {
    return m instanceof KafkaMessage && m.#source ? m.#epoch : -1;
  }
}

const EMPTY = Buffer.alloc(0);

/** A Kafka record in the public Message shape. */
export function recordToMessage(topic: string, partition: number, r: DecodedRecord): Message {
  return new KafkaMessage(topic, partition, r);
}

/**
 * One assigned partition: hands fetched records over, tracks which offsets the app acknowledged
 * (the commit point is the first one it has not), and seeks back on a nack, since Kafka cannot
 * redeliver a single record.
 */
export class KafkaPartitionSource implements PartitionSource, FetchTarget {
  readonly key: string;
  readonly reachedEnd = false;
  position = -1;
  /** the offset last committed (or found committed) */
  committed = -1;
  private epoch = 0;
  private buffered = 0;
  private bufferedBytes = 0;
  private paused = false;
  private closed = false;
  private pauseTimer?: NodeJS.Timeout;
  /** offsets handed over in order; those from `head` on are not yet passed by the commit point */
  private outstanding: number[] = [];
  private head = 0;
  private readonly acked = new Set<number>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly session: KafkaConsumerSession,
    private readonly hooks: GroupHooks,
    private readonly nackDelayMs: number,
    private readonly maxBufferedBytes = BUFFERED_FETCHES * 1_048_576,
  ) {
    this.key = `${topic}-${partition}`;
  }

  get fetchable(): boolean {
    return !this.closed && !this.paused && this.buffered < MAX_BUFFERED && this.bufferedBytes < this.maxBufferedBytes;
  }

  /** The offset to commit: the first one handed over and not acknowledged, else the next to fetch. */
  get commitPoint(): number {
    return this.head < this.outstanding.length ? this.outstanding[this.head] : this.position;
  }

  receive(records: DecodedRecord[], next: number): void {
    if (this.closed) return;
    this.position = next;
    if (records.length === 0) return;
    const msgs = new Array<Message>(records.length);
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const m = new KafkaMessage(this.topic, this.partition, records[i]);
      KafkaMessage.track(m, this, this.epoch);
      this.outstanding.push(m.messageId.offset);
      bytes += m.value.length;
      msgs[i] = m;
    }
    this.buffered += msgs.length;
    this.bufferedBytes += bytes;
    this.hooks.deliver(this, msgs);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pauseTimer);
    this.session.fetcher.remove(this);
    return Promise.resolve();
  }

  private current(m: Message): boolean {
    return !this.closed && KafkaMessage.sourceOf(m) === this && KafkaMessage.epochOf(m) === this.epoch;
  }

  handOver(m: Message): boolean {
    if (!this.current(m)) return false;
    this.consumed(m);
    return true;
  }

  consumed(m: Message): void {
    if (!this.current(m)) return;
    const was = this.fetchable;
    this.buffered--;
    this.bufferedBytes -= m.value.length;
    if (!was && this.fetchable) this.session.fetcher.kick();
  }

  ack(m: Message): void {
    if (!this.current(m)) return;
    const offset = (m.messageId as RecordMetadata).offset;
    // acks in order (a handler's batch) move the commit point without a set entry each
    if (this.head < this.outstanding.length && this.outstanding[this.head] === offset) this.head++;
    else this.acked.add(offset);
    this.advance();
  }

  ackCumulative(m: Message): void {
    if (!this.current(m)) return;
    const upTo = (m.messageId as RecordMetadata).offset;
    for (let i = this.head; i < this.outstanding.length; i++) if (this.outstanding[i] <= upTo) this.acked.add(this.outstanding[i]);
    this.advance();
  }

  private advance(): void {
    const out = this.outstanding;
    if (this.acked.size > 0) while (this.head < out.length && this.acked.delete(out[this.head])) this.head++;
    // drop the passed offsets now and then, not one shift per ack
    if (this.head === out.length) {
      out.length = 0;
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= out.length) {
      this.outstanding = out.slice(this.head);
      this.head = 0;
    }
  }

  // Seeks back to the nacked record after the nack delay: what came after it comes again too.
  nack(m: Message): void {
    if (this.closed) return;
    const offset = (m.messageId as RecordMetadata).offset;
    const at = this.outstanding.indexOf(offset, this.head);
    // a record already acknowledged, or already dropped by an earlier seek, has nothing to redo
    if (at < 0 || this.acked.has(offset)) return;
    for (const o of this.outstanding.splice(at)) this.acked.delete(o);
    this.epoch++;
    this.buffered = 0;
    this.bufferedBytes = 0;
    this.position = offset;
    this.paused = true;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => {
      this.paused = false;
      this.session.fetcher.kick();
    }, this.nackDelayMs);
  }
}

/**
 * A Kafka consumer's side: a member of the consumer group named by `subscription`, a fetcher over
 * the partitions the group assigns it, and offset commits of what the app acknowledged.
 */
export class KafkaConsumerSession implements ConsumerSession {
  readonly fetcher: Fetcher;
  private group?: GroupCoordinator;
  private hooks?: GroupHooks;
  private readonly sources = new Map<string, KafkaPartitionSource>();
  private commitTimer?: NodeJS.Timeout;
  /** one commit at a time, so an older commit point never lands after a newer one */
  private committing: Promise<void> = Promise.resolve();
  private closed = false;
  /** between giving partitions up and taking the next ones: the generation is moving, so no timed commits */
  private rebalancing = false;

  private constructor(
    private readonly cluster: KafkaCluster,
    private readonly config: KafkaConsumerConfig,
    private readonly log: Log,
    codecs: Map<KafkaCompression, KafkaCodec>,
  ) {
    this.fetcher = new Fetcher(
      cluster,
      {
        maxWaitMs: config.maxWaitMs,
        minBytes: config.minBytes,
        maxBytes: config.maxBytes,
        maxPartitionBytes: config.maxPartitionBytes,
        requestTimeoutMs: config.operationTimeoutMs,
        initialPosition: config.subscriptionInitialPosition,
        isolationLevel: config.isolationLevel === 'read_committed' ? 1 : 0,
        log,
      },
      (type) => {
        const c = codecs.get(type);
        if (!c) throw new ProtocolError(`the ${type} codec is not available to decode a record batch`);
        return c;
      },
    );
  }

  static async open(cluster: KafkaCluster, config: KafkaConsumerConfig, log: Log): Promise<KafkaConsumerSession> {
    // every codec is ready before the first fetch, whatever the producers chose
    const codecs = new Map<KafkaCompression, KafkaCodec>();
    for (const c of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      try {
        codecs.set(c, await loadKafkaCodec(c));
      } catch (err) {
        log.warn(`the Kafka ${c} codec could not be loaded: ${(err as Error).message}`);
      }
    }
    return new KafkaConsumerSession(cluster, config, log, codecs);
  }

  async subscribe(topics: string[], hooks: GroupHooks): Promise<void> {
    this.hooks = hooks;
    // a topic that does not exist (and is not auto-created) fails here, before joining
    for (const t of topics) await this.cluster.partitionCount(t);
    const c = this.config;
    // KIP-848's member speaks ConsumerGroupHeartbeat; the classic one JoinGroup/SyncGroup
    this.group = new (c.groupProtocol === 'consumer' ? ConsumerGroupMember : GroupCoordinator)(
      this.cluster,
      {
        groupId: c.subscription,
        topics,
        assignors: c.partitionAssignors,
        groupInstanceId: c.groupInstanceId ?? null,
        sessionTimeoutMs: c.sessionTimeoutMs,
        rebalanceTimeoutMs: c.rebalanceTimeoutMs,
        heartbeatIntervalMs: c.heartbeatIntervalMs,
        requestTimeoutMs: c.operationTimeoutMs,
        log: this.log,
      },
      { assigned: (parts) => this.assigned(parts), revoke: (parts) => this.revoke(parts), stopped: (err) => void this.stopped(err) },
    );
    await this.group.start();
    this.commitTimer = setInterval(() => {
      if (!this.rebalancing)
        void this.commit().catch((err: unknown) => this.log.warn(`committing offsets failed: ${(err as Error).message}`));
    }, c.offsetCommitIntervalMs);
    this.commitTimer.unref();
  }

  // Starts each assigned partition at its committed offset, else at subscriptionInitialPosition.
  private async assigned(parts: TopicPartition[]): Promise<void> {
    this.rebalancing = false;
    if (parts.length === 0 || this.closed) return;
    const committed = await this.group!.committed(parts);
    const added: KafkaPartitionSource[] = [];
    for (const p of parts) {
      const src = new KafkaPartitionSource(
        p.topic,
        p.partition,
        this,
        this.hooks!,
        this.config.negativeAckRedeliveryDelayMs,
        BUFFERED_FETCHES * this.config.maxPartitionBytes,
      );
      const at = committed.get(src.key) ?? -1;
      src.committed = at;
      src.position = at >= 0 ? at : await this.fetcher.offsetFor(p.topic, p.partition);
      this.sources.set(src.key, src);
      this.hooks!.assigned(src);
      added.push(src);
    }
    for (const src of added) this.fetcher.add(src);
  }

  // Before giving partitions up (all of them before an eager rejoin): the app finishes with them, what it acknowledged is committed, and they go.
  private async revoke(parts?: TopicPartition[]): Promise<void> {
    if (!parts) this.rebalancing = true;
    const gone = parts
      ? parts.map((p) => this.sources.get(`${p.topic}-${p.partition}`)).filter((s): s is KafkaPartitionSource => s !== undefined)
      : [...this.sources.values()];
    await this.giveUp(gone, true);
  }

  // The group ended the membership for good: every partition goes, uncommitted (the group refuses this member's commits now), and the app hears why.
  private async stopped(err: CortadoError): Promise<void> {
    clearInterval(this.commitTimer);
    await this.giveUp([...this.sources.values()], false);
    this.hooks!.groupStopped(err);
  }

  private async giveUp(gone: KafkaPartitionSource[], commit: boolean): Promise<void> {
    if (gone.length === 0) return;
    for (const src of gone) this.fetcher.remove(src);
    await this.hooks!.revoked(gone);
    if (commit)
      await this.commit().catch((err: unknown) =>
        this.log.warn(`committing offsets before the rebalance failed: ${(err as Error).message}`),
      );
    for (const src of gone) {
      await src.close();
      this.sources.delete(src.key);
    }
  }

  /** Commits every partition's commit point that moved since its last commit. */
  commit(): Promise<void> {
    const run = this.committing.then(async () => {
      // a reset to an earlier offset (out of range) moves the commit point back: that is committed too
      const moved = [...this.sources.values()].filter((s) => s.position >= 0 && s.commitPoint !== s.committed);
      if (moved.length === 0 || !this.group) return;
      const offsets = moved.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.commitPoint }));
      await this.group.commit(offsets);
      for (const [i, s] of moved.entries()) s.committed = offsets[i].offset;
    });
    this.committing = run.catch(() => undefined);
    return run;
  }

  openSource(): PartitionSource {
    throw new InvalidArgumentError('a Kafka consumer gets its partitions from its consumer group (subscribe), not one by one');
  }

  sourceOf(m: Message): PartitionSource | undefined {
    const src = KafkaMessage.sourceOf(m);
    // another consumer's message is not ours, as when each session kept its own deliveries
    return src?.session === this ? src : undefined;
  }

  /** Commits what was acknowledged, then leaves the group so its partitions move at once. */
  async close(deadline = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.commitTimer);
    this.fetcher.close();
    await this.commit().catch((err: unknown) => this.log.warn(`committing offsets on close failed: ${(err as Error).message}`));
    await this.group?.close(deadline);
  }
}

import { EventEmitter } from 'events';
import { traceReceive } from './diagnostics';
import { ConsumerEvents, partitionEvents } from './events';
import type { ConsumerOptions } from './types';
import { CompressionType, loadCodec } from '../protocol/compression';
import { SubType } from '../protocol/proto';
import { ClientCore, createClientCore, partitionTopicName } from './client';
import { ConsumerConfig, parseConsumerConfig, SubscriptionTypeName } from './consumer-config';
import { ClosedError, CortadoError, InvalidArgumentError } from './errors';
import { HandlerHost, HandlerWorker, MessageHandler } from './handler-worker';
import { ConsumerContext, PartitionConsumer } from './partition-consumer';
import { EntryHandle, entryHandleOf, Message } from './received-message';
import { WorkerManager } from './worker-manager';

export type { ConsumerOptions };

const SUB_TYPES: Record<SubscriptionTypeName, SubType> = {
  exclusive: SubType.Exclusive,
  shared: SubType.Shared,
  failover: SubType.Failover,
  key_shared: SubType.Key_Shared,
};

/**
 * Subscribes to every configured topic (a partitioned topic is consumed as one) and hands
 * messages either to `handleMessages` through per-partition workers or to `for await`.
 *
 * Events: 'skip' (reason, topic, partition) for an entry that could not become a message,
 * 'handlerError' (error, messages) when a handler threw or timed out, 'endOfTopic' (topic, partition),
 * 'partitionFailed' (error, topic, partition) when the broker refused a resubscribe for good.
 */
export class Consumer extends EventEmitter<ConsumerEvents> implements AsyncIterable<Message> {
  readonly config: ConsumerConfig;
  readonly workers?: WorkerManager<HandlerWorker>;
  private readonly handler?: MessageHandler;
  private core?: ClientCore;
  private readonly consumers = new Map<string, PartitionConsumer>();
  private readonly inbox: Message[] = [];
  private readonly waiting: Array<(r: IteratorResult<Message>) => void> = [];
  private active = 0;
  private readonly slots: Array<() => void> = [];
  private closed = false;
  private closing: Promise<void> = Promise.resolve();
  private started?: Promise<void>;

  constructor(options: ConsumerOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    super();
    const { handleMessages, ...rest } = options;
    if (handleMessages !== undefined && typeof handleMessages !== 'function') {
      throw new InvalidArgumentError('handleMessages must be a function (messages) => void | { ack: false }');
    }
    this.config = parseConsumerConfig(rest, env);
    this.handler = handleMessages;
    if (handleMessages)
      this.workers = new WorkerManager(this.config.workerAllocation, (name) => new HandlerWorker(name, this.host(handleMessages)));
  }

  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    if (this.config.topics.length === 0) throw new InvalidArgumentError('no topics to consume: set CORTADO_TOPICS or the topics option');
    this.core = createClientCore(this.config);
    // every codec is ready before the first MESSAGE, whatever the producer chose
    await Promise.all([CompressionType.LZ4, CompressionType.ZLIB, CompressionType.ZSTD, CompressionType.SNAPPY].map((t) => loadCodec(t)));
    try {
      for (const topic of this.config.topics) await this.subscribeTopic(topic);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async subscribeTopic(topic: string): Promise<void> {
    const count = await this.core!.lookup.partitionCount(topic);
    const n = Math.max(1, count);
    const ctx: Omit<ConsumerContext, 'onStateChange'> = {
      kind: 'consumer',
      pool: this.core!.pool,
      lookup: this.core!.lookup,
      operationTimeoutMs: this.config.operationTimeoutMs,
      config: this.config,
      subType: SUB_TYPES[this.config.subscriptionType],
      deliver: (pc: PartitionConsumer, msgs: Message[]) => this.deliver(pc, msgs),
      skip: (pc: PartitionConsumer, reason: string) => this.emit('skip', reason, pc.topic, pc.partition),
      endOfTopic: (pc: PartitionConsumer) => this.emit('endOfTopic', pc.topic, pc.partition),
      failed: (pc: PartitionConsumer, err: CortadoError) => this.emit('partitionFailed', err, pc.topic, pc.partition),
    };
    const pcs = Array.from(
      { length: n },
      (_, i) =>
        new PartitionConsumer(partitionTopicName(topic, i, count > 0), topic, i, {
          ...ctx,
          onStateChange: partitionEvents(this, topic, i),
        }),
    );
    for (const pc of pcs) this.consumers.set(pc.key, pc);
    await Promise.all(pcs.map((pc) => pc.start()));
  }

  private deliver(pc: PartitionConsumer, msgs: Message[]): void {
    if (this.closed) return;
    traceReceive(msgs);
    if (this.workers) {
      this.workers.workerFor(pc.topic, pc.partition).push(msgs);
      return;
    }
    for (const m of msgs) {
      const w = this.waiting.shift();
      if (w) {
        pc.consumed(entryHandleOf(m)!);
        w({ value: m, done: false });
      } else this.inbox.push(m);
    }
  }

  private host(handler: MessageHandler): HandlerHost {
    return {
      handler,
      timeoutMs: this.config.handlerTimeoutMs,
      maxBatch: this.config.maxHandlerBatch,
      acquire: () => {
        if (this.active < this.config.handlerConcurrency) {
          this.active++;
          return Promise.resolve();
        }
        return new Promise<void>((r) => this.slots.push(r));
      },
      release: () => {
        const next = this.slots.shift();
        if (next) next();
        else this.active--;
      },
      fresh: (msgs) => msgs.filter((m) => this.handOver(m)),
      settle: (msgs, outcome, err) => {
        if (outcome === 'ack') for (const m of msgs) this.ack(m);
        else if (outcome === 'nack') {
          this.emit('handlerError', err instanceof Error ? err : new Error(String(err)), msgs);
          for (const m of msgs) this.nack(m);
        }
      },
    };
  }

  // The app is about to get `m`: its permit goes back, and a copy that a reconnect, a
  // redeliver-all or a pending ack made stale is dropped instead.
  private handOver(m: Message): boolean {
    const h = entryHandleOf(m)!;
    const pc = h.owner as PartitionConsumer;
    pc.consumed(h);
    return pc.wanted(h, m.messageId.batchIndex);
  }

  /** The next message (iterator form); waits until one arrives or the consumer closes. */
  receive(): Promise<IteratorResult<Message>> {
    if (this.handler)
      return Promise.reject(new InvalidArgumentError('this consumer hands messages to handleMessages; it cannot also be iterated'));
    while (this.inbox.length > 0) {
      const m = this.inbox.shift()!;
      if (this.handOver(m)) return Promise.resolve({ value: m, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => this.waiting.push(r));
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => this.receive(),
      return: async () => ({ value: undefined, done: true }),
    };
  }

  ack(message: Message): void {
    const [pc, h] = this.handleOf(message);
    pc.ack(h, message.messageId.batchIndex);
  }

  ackCumulative(message: Message): void {
    const [pc, h] = this.handleOf(message);
    pc.ackCumulative(h, message.messageId.batchIndex);
  }

  nack(message: Message): void {
    const [pc, h] = this.handleOf(message);
    pc.nack(h);
  }

  private handleOf(message: Message): [PartitionConsumer, EntryHandle] {
    const h = message ? entryHandleOf(message) : undefined;
    const pc = h?.owner as PartitionConsumer | undefined;
    if (!h || !pc || this.consumers.get(pc.key) !== pc) throw new InvalidArgumentError('that message was not received by this consumer');
    return [pc, h];
  }

  /** Whether every partition of every topic reported that the topic was terminated and fully read. */
  get reachedEndOfTopics(): boolean {
    return [...this.consumers.values()].every((pc) => pc.reachedEnd);
  }

  /**
   * Stops dispatch, waits up to closeTimeoutMs for running handlers (their acks count), then
   * aborts the signal of any still running (their outcome is ignored: redelivered later), flushes
   * every pending ack and closes the subscriptions.
   */
  async close(): Promise<void> {
    if (this.closed) return this.closing;
    this.closed = true;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const deadline = Date.now() + this.config.closeTimeoutMs;
    this.inbox.length = 0;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
    const workers = this.workers ? [...this.workers.all()] : [];
    for (const w of workers) w.stop();
    if (workers.some((w) => w.busy)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(workers.map((w) => w.idle())),
        new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      const why = new ClosedError(`the consumer closed before this handler finished (closeTimeoutMs ${this.config.closeTimeoutMs})`);
      for (const w of workers) w.abandon(why);
    }
    await Promise.all([...this.consumers.values()].map((pc) => pc.close(deadline)));
    await this.core?.pool.close();
  }
}

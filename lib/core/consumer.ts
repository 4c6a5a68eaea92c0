import { EventEmitter } from 'events';
import type { ConsumerSession, GroupHooks, PartitionRef, PartitionSource, TopicWatch } from './backend';
import { ClientSession, SessionConfig } from './client-session';
import { backendOf } from './config';
import { ConsumerConfig, parseConsumerConfig } from './consumer-config';
import { ClosedError, CortadoError, InvalidArgumentError } from './errors';
import { ConsumerEvents, partitionEvents } from './events';
import { HandlerHost, HandlerWorker, MessageHandler } from './handler-worker';
import type { Message } from './received-message';
import type { Receipt } from './receipt';
import type { ConsumerOptions } from './types';
import { WorkerManager } from './worker-manager';
import { exportStats } from './otel';
import { ConsumerPartitionCounters, consumerStats, ConsumerStats, countAck, countDropped, countNack, countReceived } from './stats';

export type { ConsumerOptions };

/**
 * Subscribes to every configured topic (a partitioned topic is consumed as one) and hands
 * messages either to `handleMessages` through per-partition workers or to `for await`.
 *
 * Events: 'skip' (reason, topic, partition) for an entry that could not become a message,
 * 'handlerError' (error, messages) when a handler threw or timed out, 'endOfTopic' (topic, partition),
 * 'partitionFailed' (error, topic, partition) when the broker refused a resubscribe for good,
 * 'partitionsChanged' ({topic, from, to}) when the partition refresh subscribed partitions added after start,
 * 'topicsChanged' ({added, removed}) when a topicsPattern consumer subscribed new topics or closed deleted ones.
 */
export class Consumer extends EventEmitter<ConsumerEvents> implements AsyncIterable<Message> {
  readonly config: ConsumerConfig;
  readonly workers?: WorkerManager<HandlerWorker>;
  private readonly handler?: MessageHandler;
  /** the backend: the Client's when made by client.consumer(), else this consumer's own */
  private readonly client: ClientSession;
  private readonly ownsClient: boolean;
  private session?: ConsumerSession;
  private readonly consumers = new Map<string, PartitionSource>();
  /** sources a group took away: acks and nacks of their messages are moot */
  private readonly revokedSources = new WeakSet<PartitionSource>();
  /** sources being revoked: no more deliveries, while their running handlers finish */
  private readonly stopping = new WeakSet<PartitionSource>();
  /** per partitioned topic: the count last seen and the partitions subscribed (a non-partitioned topic is absent) */
  private readonly partitioned = new Map<string, { count: number; open: Set<number> }>();
  /** per topic a pattern matched: the partitions subscribed */
  private readonly matched = new Map<string, Set<number>>();
  private watch?: TopicWatch;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  /** stats counters per partition, kept when a partition is handed out and back */
  private readonly counters = new Map<string, ConsumerPartitionCounters>();
  private unexportStats?: () => void;
  private readonly inbox: Message[] = [];
  private readonly waiting: Array<(r: IteratorResult<Message>) => void> = [];
  private active = 0;
  private readonly slots: Array<() => void> = [];
  private closed = false;
  private paused = false;
  private closing: Promise<void> = Promise.resolve();
  private started?: Promise<void>;

  /**
   * Options come from code and CORTADO_* variables (code wins); the URL's scheme picks the backend.
   * Without `client` the consumer has a client of its own, closed with it.
   */
  constructor(options: ConsumerOptions = {}, env: NodeJS.ProcessEnv = process.env, client?: ClientSession) {
    super();
    const { handleMessages, ...rest } = options;
    if (handleMessages !== undefined && typeof handleMessages !== 'function') {
      throw new InvalidArgumentError('handleMessages must be a function (messages) => void | { ack: false }');
    }
    if (client) {
      client.refuseOwnKeys(rest as Record<string, unknown>, 'consumer');
      this.config = parseConsumerConfig({ ...(rest as Record<string, unknown>), ...client.codeOptions('consumer') }, env);
    } else {
      this.config = parseConsumerConfig(rest, env);
    }
    this.ownsClient = !client;
    this.client = client ?? new ClientSession({ ...this.config, memoryLimitBytes: 0 } as SessionConfig, backendOf(this.config));
    this.handler = handleMessages;
    if (handleMessages)
      this.workers = new WorkerManager(this.config.workerAllocation, (name) => new HandlerWorker(name, this.host(handleMessages)));
  }

  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    try {
      this.session = await this.client.backend.consumerSession(this.config);
      if (!this.closed) this.unexportStats = exportStats('consumer', () => this.stats());
      if (this.session.watchTopics) {
        let failure: unknown;
        this.watch = await this.session.watchTopics({
          changed: (added, removed) => this.topicsChanged(added, removed, (err) => (failure ??= err)),
        });
        // as the Java client: a topic matching at start that cannot be subscribed fails start()
        if (failure !== undefined) throw failure;
      } else if (this.config.topics.length === 0) {
        throw new InvalidArgumentError('no topics to consume: set CORTADO_TOPICS or the topics option (or topicsPattern with Pulsar)');
      } else if (this.session.subscribe) await this.session.subscribe(this.config.topics, this.groupHooks());
      else for (const topic of [...this.config.topics, ...(this.session.extraTopics ?? [])]) await this.subscribeTopic(topic);
    } catch (err) {
      await this.close();
      throw err;
    }
    const every = this.config.partitionsRefreshIntervalMs;
    if (every > 0 && this.partitioned.size > 0 && !this.closed) {
      this.refreshTimer = setInterval(() => void this.refreshPartitions(), every);
      this.refreshTimer.unref();
    }
  }

  private async subscribeTopic(topic: string): Promise<void> {
    const count = await this.client.backend.partitionCount(topic);
    const all = Array.from({ length: Math.max(1, count) }, (_, i) => i);
    if (count > 0) this.partitioned.set(topic, { count, open: new Set(all) });
    await Promise.all(this.openSources(topic, all, count > 0).map((src) => src.start()));
  }

  // Opens `partitions` of `topic`; each is in `consumers` before it starts, so close() reaches it.
  private openSources(topic: string, partitions: number[], partitioned: boolean): PartitionSource[] {
    const sources = partitions.map((i) =>
      this.session!.openSource(topic, i, partitioned, {
        deliver: (src, msgs) => this.deliver(src, msgs),
        skip: (src, reason) => this.emit('skip', reason, src.topic, src.partition),
        endOfTopic: (src) => this.emit('endOfTopic', src.topic, src.partition),
        failed: (src, err) => this.emit('partitionFailed', err, src.topic, src.partition),
        onStateChange: partitionEvents(this, topic, i),
      }),
    );
    for (const src of sources) {
      this.consumers.set(src.key, src);
      if (this.paused) src.pause?.();
    }
    return sources;
  }

  // A pattern's topics changed: subscribes the partitions that appeared, closes those that went.
  private async topicsChanged(added: PartitionRef[], removed: PartitionRef[], onFailure?: (err: unknown) => void): Promise<PartitionRef[]> {
    if (this.closed) return [];
    const gone: string[] = [];
    const closing: Array<Promise<void>> = [];
    for (const r of removed) {
      const set = this.matched.get(r.topic);
      if (!set?.delete(r.partition)) continue;
      if (set.size === 0) {
        this.matched.delete(r.topic);
        gone.push(r.topic);
      }
      const src = [...this.consumers.values()].find((s) => s.topic === r.topic && s.partition === r.partition);
      if (!src) continue;
      this.consumers.delete(src.key);
      for (let i = this.inbox.length - 1; i >= 0; i--) if (this.session!.sourceOf(this.inbox[i]) === src) this.inbox.splice(i, 1);
      closing.push(src.close(Date.now() + this.config.closeTimeoutMs).catch(() => undefined));
    }
    const byTopic = new Map<string, PartitionRef[]>();
    for (const r of added) if (!this.matched.get(r.topic)?.has(r.partition)) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    const failed: PartitionRef[] = [];
    const fresh: string[] = [];
    await Promise.all(
      [...byTopic].map(async ([topic, refs]) => {
        const sources = this.openSources(
          topic,
          refs.map((r) => r.partition),
          refs[0].partitioned,
        );
        const results = await Promise.allSettled(sources.map((src) => src.start()));
        const before = this.matched.get(topic)?.size ?? 0;
        const set = this.matched.get(topic) ?? new Set<number>();
        for (const [k, res] of results.entries()) {
          if (res.status === 'fulfilled') {
            set.add(sources[k].partition);
            continue;
          }
          failed.push(refs[k]);
          onFailure?.(res.reason);
          this.consumers.delete(sources[k].key);
          await sources[k].close(Date.now() + this.config.closeTimeoutMs).catch(() => undefined);
          this.client.backend.log.warn(`subscribing ${topic} (partition ${refs[k].partition}) failed: ${(res.reason as Error).message}`);
        }
        if (set.size === 0) return;
        this.matched.set(topic, set);
        if (before === 0) fresh.push(topic);
        else if (set.size > before) this.emit('partitionsChanged', { topic, from: before, to: set.size });
      }),
    );
    await Promise.all(closing);
    if (!this.closed && (fresh.length > 0 || gone.length > 0)) this.emit('topicsChanged', { added: fresh.sort(), removed: gone.sort() });
    return failed;
  }

  /**
   * Re-reads each partitioned topic's partition count and subscribes the partitions added since
   * start (at subscriptionInitialPosition, as the Java client does); emits 'partitionsChanged'.
   * Runs every partitionsRefreshIntervalMs; a call while one runs gets that one's promise.
   */
  refreshPartitions(): Promise<void> {
    // one refresh at a time, so a slow one and the next tick never subscribe a partition twice
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    for (const [topic, state] of this.partitioned) {
      if (this.closed) return;
      try {
        const to = Math.max(await this.client.backend.partitionCount(topic), state.count);
        if (this.closed) return;
        // partitions a failed refresh left out are tried again with the new ones
        const missing = Array.from({ length: to }, (_, i) => i).filter((i) => !state.open.has(i));
        if (missing.length === 0) continue;
        const sources = this.openSources(topic, missing, true);
        const results = await Promise.allSettled(sources.map((src) => src.start()));
        let failure: unknown;
        for (const [k, r] of results.entries()) {
          const src = sources[k];
          if (r.status === 'fulfilled') state.open.add(src.partition);
          else {
            failure ??= r.reason;
            this.consumers.delete(src.key);
            await src.close(Date.now() + this.config.closeTimeoutMs).catch(() => undefined);
          }
        }
        if (failure !== undefined) {
          // the failed partition already emitted 'error' through its state change; warn only
          this.client.backend.log.warn(`subscribing new partitions of ${topic} failed: ${(failure as Error).message}`);
          continue;
        }
        const from = state.count;
        state.count = to;
        if (to > from) this.emit('partitionsChanged', { topic, from, to });
      } catch (err) {
        // the next refresh tries again; the partitions already subscribed keep delivering
        this.client.backend.log.warn(`refreshing the partitions of ${topic} failed: ${(err as Error).message}`);
        if (this.listenerCount('error') > 0) this.emit('error', err as CortadoError);
      }
    }
  }

  // The hooks of a backend whose group assigns the partitions: sources come and go with rebalances.
  private groupHooks(): GroupHooks {
    return {
      deliver: (src, msgs) => this.deliver(src, msgs),
      skip: (src, reason) => this.emit('skip', reason, src.topic, src.partition),
      endOfTopic: (src) => this.emit('endOfTopic', src.topic, src.partition),
      failed: (src, err) => this.emit('partitionFailed', err, src.topic, src.partition),
      onStateChange: (src, change) => partitionEvents(this, src.topic, src.partition)(change),
      assigned: (src) => {
        this.revokedSources.delete(src);
        this.consumers.set(src.key, src);
      },
      revoked: (sources) => this.revoke(sources),
      groupStopped: (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      },
    };
  }

  // Stops dispatch for `sources`, waits (up to handlerTimeoutMs) for their running handlers, then forgets them.
  private async revoke(sources: PartitionSource[]): Promise<void> {
    const gone = new Set(sources);
    for (let i = this.inbox.length - 1; i >= 0; i--) {
      if (gone.has(this.session!.sourceOf(this.inbox[i])!)) this.inbox.splice(i, 1);
    }
    // dispatch stops now; acks of the handlers still running count until they are waited for
    for (const src of sources) this.stopping.add(src);
    if (this.workers) {
      const released = sources.map((src) => this.workers!.workerFor(src.topic, src.partition).release(src.topic, src.partition));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(released), new Promise<void>((r) => (timer = setTimeout(r, this.config.handlerTimeoutMs)))]);
      clearTimeout(timer);
    }
    for (const src of sources) {
      this.stopping.delete(src);
      this.revokedSources.add(src);
      if (this.consumers.get(src.key) === src) this.consumers.delete(src.key);
    }
  }

  private deliver(src: PartitionSource, msgs: Message[]): void {
    if (this.closed || this.revokedSources.has(src) || this.stopping.has(src)) return;
    countReceived(this.countersOf(src), msgs);
    if (this.workers) {
      this.workers.workerFor(src.topic, src.partition).push(msgs);
      return;
    }
    for (const m of msgs) {
      const w = this.waiting.shift();
      if (w) {
        src.consumed(m);
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
      settle: (msgs, outcome, err, delayMs) => {
        if (outcome === 'ack') for (const m of msgs) this.ack(m);
        else if (outcome === 'retry')
          for (const m of msgs)
            this.reconsumeLater(m, delayMs ?? 0).catch((e: unknown) =>
              this.emit('handlerError', e instanceof Error ? e : new Error(String(e)), [m]),
            );
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
    const src = this.session!.sourceOf(m)!;
    if (src.handOver(m)) return true;
    countDropped(this.countersOf(src));
    return false;
  }

  /** The next message (iterator form); waits until one arrives or the consumer closes. */
  receive(): Promise<IteratorResult<Message>> {
    if (this.handler) return Promise.reject(this.iteratedError());
    const m = this.takeQueued();
    if (m) return Promise.resolve({ value: m, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => this.waiting.push(r));
  }

  /** The next message, or undefined when none arrives within `timeoutMs` or the consumer closes (iterator form). */
  receiveWithin(timeoutMs: number): Promise<Message | undefined> {
    if (this.handler) return Promise.reject(this.iteratedError());
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0)
      return Promise.reject(new InvalidArgumentError(`timeoutMs must be an integer >= 0, got ${String(timeoutMs)}`));
    const m = this.takeQueued();
    if (m || this.closed) return Promise.resolve(m);
    return new Promise<Message | undefined>((resolve) => {
      const w = (r: IteratorResult<Message>) => {
        clearTimeout(timer);
        resolve(r.done ? undefined : r.value);
      };
      // on timeout this waiter leaves the line, so it cannot swallow a later message
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(w);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.push(w);
    });
  }

  // The oldest queued message still wanted (stale copies are dropped on the way).
  private takeQueued(): Message | undefined {
    while (this.inbox.length > 0) {
      const m = this.inbox.shift()!;
      if (this.handOver(m)) return m;
    }
    return undefined;
  }

  private iteratedError(): InvalidArgumentError {
    return new InvalidArgumentError('this consumer hands messages to handleMessages; it cannot also be iterated');
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => this.receive(),
      return: async () => ({ value: undefined, done: true }),
    };
  }

  ack(message: Message): void {
    const src = this.sourceOf(message);
    if (!src) return;
    src.ack(message);
    countAck(this.countersOf(src), false);
  }

  ackCumulative(message: Message): void {
    const src = this.sourceOf(message);
    if (!src) return;
    src.ackCumulative(message);
    countAck(this.countersOf(src), true);
  }

  nack(message: Message): void {
    const src = this.sourceOf(message);
    if (!src) return;
    src.nack(message);
    countNack(this.countersOf(src));
  }

  private countersOf(src: PartitionSource): ConsumerPartitionCounters {
    let c = this.counters.get(src.key);
    if (!c) this.counters.set(src.key, (c = new ConsumerPartitionCounters(src.topic, src.partition)));
    return c;
  }

  /**
   * Messages and bytes received, acks, nacks, redeliveries and pending (received, not yet acked
   * or nacked), per partition and in total: the Java client's getStats().
   */
  stats(): ConsumerStats {
    return consumerStats(this.counters.values());
  }

  /**
   * Resets the subscription (Pulsar SEEK): to a message id, on that id's partition, or to a publish
   * time (epoch ms or a Date), on every partition. Messages received before the reset are not handed
   * over after it, and pending acknowledgements are dropped; resolves once every partition concerned
   * is subscribed again.
   */
  async seek(target: Receipt | number | Date): Promise<void> {
    const t = target instanceof Date ? target.getTime() : target;
    let sources: PartitionSource[];
    if (typeof t === 'number') {
      if (!Number.isSafeInteger(t) || t < 0)
        throw new InvalidArgumentError(
          `seek takes a message id, or a publish time as epoch ms (an integer >= 0) or a Date; got ${String(target)}`,
        );
      sources = this.positionSources('seek');
    } else sources = [this.sourceOfReceipt(t)];
    await Promise.all(sources.map((src) => src.seek!(t)));
  }

  /**
   * Deletes the subscription on the broker (every partition), then closes the consumer as close()
   * does; rejects with the first partition's refusal (that partition is closed all the same).
   */
  async unsubscribe(): Promise<void> {
    this.positionSources('unsubscribe');
    if (this.closed) throw new ClosedError('the consumer is closed');
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const result = this.doClose(true);
    this.closing = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** The id of the last message stored on each partition (entryId -1 when a partition is empty), by topic and partition. */
  async getLastMessageIds(): Promise<Receipt[]> {
    const sources = this.positionSources('lastMessageId');
    return Promise.all(sources.map((src) => src.lastMessageId!()));
  }

  /** The id of the last message stored, for a consumer of one partition (else use getLastMessageIds). */
  async getLastMessageId(): Promise<Receipt> {
    const sources = this.positionSources('lastMessageId');
    if (sources.length !== 1)
      throw new InvalidArgumentError(
        `getLastMessageId() needs a consumer of one partition; this one has ${sources.length} (${sources.map((s) => `${s.topic}#${s.partition}`).join(', ')}): use getLastMessageIds()`,
      );
    return sources[0].lastMessageId!();
  }

  /** Whether a message can be read now without waiting for a producer: one received and not taken, or one stored past those taken. */
  async hasMessageAvailable(): Promise<boolean> {
    const answers = await Promise.all(this.positionSources('hasMessageAvailable').map((src) => src.hasMessageAvailable!()));
    return answers.some((a) => a);
  }

  /**
   * Stops asking the broker for messages (no flow permits are sent) on every partition, as the Java
   * client's pause(); messages already received are still handed over. resume() asks again.
   */
  pause(): void {
    this.paused = true;
    for (const src of this.positionSources('pause')) src.pause!();
  }

  resume(): void {
    this.paused = false;
    for (const src of this.positionSources('resume')) src.resume!();
  }

  // The started consumer's partitions, sorted; refuses when the backend cannot do `what` there.
  private positionSources(what: 'seek' | 'unsubscribe' | 'lastMessageId' | 'hasMessageAvailable' | 'pause' | 'resume'): PartitionSource[] {
    if (!this.session) throw new InvalidArgumentError(`${what}: start() the consumer first`);
    const sources = [...this.consumers.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    if (sources.some((src) => typeof src[what] !== 'function'))
      throw new InvalidArgumentError(`${what} is not supported by the ${this.client.backend.name} backend`);
    return sources;
  }

  // The partition a receipt names: its topic (or the only topic) and its partition (-1: a topic that is not partitioned).
  private sourceOfReceipt(id: Receipt): PartitionSource {
    const sources = this.positionSources('seek');
    const r = id as { topic?: unknown; partition?: unknown };
    if (!r || typeof r !== 'object' || typeof r.partition !== 'number')
      throw new InvalidArgumentError("seek takes a message id (a received message's messageId or a producer receipt), or a publish time");
    const topic = typeof r.topic === 'string' && r.topic ? r.topic : this.config.topics.length === 1 ? this.config.topics[0] : undefined;
    const partition = r.partition < 0 ? 0 : r.partition;
    const src = sources.find((s) => s.topic === topic && s.partition === partition);
    if (!src)
      throw new InvalidArgumentError(
        `seek: the id names ${topic ?? '(no topic)'} partition ${r.partition}, which this consumer does not read; it reads ${sources.map((s) => `${s.topic}#${s.partition}`).join(', ')}`,
      );
    return src;
  }

  /**
   * Sends `message` to the retry letter topic to come again after `delayMs` (Pulsar with
   * enableRetry, as the Java client's reconsumeLater), then acknowledges it; past maxRedeliverCount
   * it goes to the dead letter topic instead. Resolves once stored; a failed send nacks it and rejects.
   */
  reconsumeLater(message: Message, delayMs: number): Promise<void> {
    if (!Number.isInteger(delayMs) || delayMs < 0)
      return Promise.reject(new InvalidArgumentError(`reconsumeLater: delayMs must be an integer >= 0, got ${String(delayMs)}`));
    let src: PartitionSource | undefined;
    try {
      src = this.sourceOf(message);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!src) return Promise.resolve();
    if (!src.reconsumeLater)
      return Promise.reject(new InvalidArgumentError('reconsumeLater needs a retry letter topic: set enableRetry: true (Pulsar)'));
    return src.reconsumeLater(message, delayMs);
  }

  // undefined for a message of a partition the group took away (another member has it now)
  private sourceOf(message: Message): PartitionSource | undefined {
    const src = message && this.session ? this.session.sourceOf(message) : undefined;
    if (src && this.revokedSources.has(src)) return undefined;
    if (!src || this.consumers.get(src.key) !== src) throw new InvalidArgumentError('that message was not received by this consumer');
    return src;
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
    this.unexportStats?.();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(unsubscribe = false): Promise<void> {
    const deadline = Date.now() + this.config.closeTimeoutMs;
    await this.watch?.close().catch(() => undefined);
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
    let refused: unknown;
    await Promise.all(
      [...this.consumers.values()].map((src) =>
        unsubscribe
          ? src.unsubscribe!(deadline).catch((err: unknown) => {
              refused ??= err;
              return src.close(deadline);
            })
          : src.close(deadline),
      ),
    );
    await this.session?.close?.(deadline).catch(() => undefined);
    if (this.ownsClient) await this.client.close();
    if (refused !== undefined) throw refused;
  }
}

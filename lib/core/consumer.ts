import { EventEmitter } from 'events';
import type { ConsumerSession, GroupHooks, PartitionRef, PartitionSource, TopicWatch } from './backend';
import { ClientSession, SessionConfig } from './client-session';
import { backendOf } from './config';
import { ConsumerConfig, parseConsumerConfig } from './consumer-config';
import { ClosedError, CortadoError, InvalidArgumentError } from './errors';
import { ConsumerEvents, partitionEvents } from './events';
import { HandlerHost, HandlerWorker, MessageHandler } from './handler-worker';
import type { Message } from './received-message';
import type { ConsumerOptions } from './types';
import { WorkerManager } from './worker-manager';

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
  private readonly inbox: Message[] = [];
  private readonly waiting: Array<(r: IteratorResult<Message>) => void> = [];
  private active = 0;
  private readonly slots: Array<() => void> = [];
  private closed = false;
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
    for (const src of sources) this.consumers.set(src.key, src);
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
    return this.session!.sourceOf(m)!.handOver(m);
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
    this.sourceOf(message)?.ack(message);
  }

  ackCumulative(message: Message): void {
    this.sourceOf(message)?.ackCumulative(message);
  }

  nack(message: Message): void {
    this.sourceOf(message)?.nack(message);
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
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
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
    await Promise.all([...this.consumers.values()].map((src) => src.close(deadline)));
    await this.session?.close?.(deadline).catch(() => undefined);
    if (this.ownsClient) await this.client.close();
  }
}

import { EventEmitter } from 'events';
import { checkPartition, partitionStrategies, pickPartition, stickyAfter, type StickyPartition } from '../../strategies';
import type { PartitionStrategy } from '../../strategies/types';
import type { PartitionSink, ProducerSession } from './backend';
import { BufferPool } from './buffer-pool';
import { ClientSession, SessionConfig } from './client-session';
import { backendOf, parseProducerConfig, ProducerConfig, ProducerOptions } from './config';
import { traceSend, tracedSettle } from './diagnostics';
import { ClosedError, CortadoError, InvalidArgumentError, PartitionStrategyError, TimeoutError } from './errors';
import { partitionEvents, ProducerEvents } from './events';
import { exportStats } from './otel';
import { taskNow, countedReject, countedResolve, ProducerPartitionCounters, producerStats, ProducerStats } from './stats';
import { describeType, KeyInput, OutgoingMessage, prepareMessage, ProduceMessage, SendOptions, Value } from './message';
import type { Receipt } from './receipt';
import type { Worker } from './worker';
import { WorkerManager } from './worker-manager';

type MessageId = Receipt;

/** What the producer knows of one topic: partition count, its partition producers, the last partition used. */
interface TopicState {
  partitioned: boolean;
  /** routing count: 1 for a non-partitioned topic */
  partitions: number;
  producers: PartitionSink[];
  /** each partition's worker, looked up in the WorkerManager once */
  workers: Worker[];
  /** each partition's stats counters; they outlive a replaced sink */
  stats: ProducerPartitionCounters[];
  current: number;
  /** where keyless records go while routing is sticky (Kafka's murmur2) */
  sticky?: StickyPartition;
}

/**
 * The Kafka-style face: configured from CORTADO_* variables and code, `start()` learns each
 * topic's partitions, and `produceSync` routes with the partition strategy to the worker of the
 * chosen topic-partition.
 *
 * Sends resolve with the backend's receipt: `R` is the union of every backend's (`Receipt`);
 * an app on one backend names its type once, `new Producer<MessageId>(...)` (Pulsar) or
 * `new Producer<RecordMetadata>(...)` (Kafka): a type the app asserts, as the URL decides at run time.
 */
export class Producer<R extends Receipt = Receipt> extends EventEmitter<ProducerEvents> {
  readonly config: ProducerConfig;
  readonly workers: WorkerManager;
  private readonly strategy: PartitionStrategy;
  private readonly topics = new Map<string, TopicState>();
  private readonly analyzing = new Map<string, Promise<TopicState>>();
  /** the backend and memory budget: the Client's when made by client.producer(), else this producer's own */
  private readonly client: ClientSession;
  private readonly ownsClient: boolean;
  private session?: ProducerSession;
  private refreshTimer?: NodeJS.Timeout;
  private readonly bodies = new BufferPool();
  private closed = false;
  private started?: Promise<void>;
  /** > 0: keyless records are sticky, moving on after this many bytes (murmur2 on a backend that asks for it) */
  private stickyBytes = 0;

  /**
   * Options come from code and CORTADO_* variables (code wins); the URL's scheme picks the backend.
   * Without `client` the producer has a client of its own, closed with it.
   */
  constructor(options: ProducerOptions = {}, env: NodeJS.ProcessEnv = process.env, client?: ClientSession) {
    super();
    if (client) {
      client.refuseOwnKeys(options as Record<string, unknown>, 'producer');
      this.config = parseProducerConfig({ ...(options as Record<string, unknown>), ...client.codeOptions('producer') }, env);
    } else {
      this.config = parseProducerConfig(options, env);
    }
    const s = this.config.partitionStrategy;
    this.strategy = typeof s === 'function' ? s : partitionStrategies[s];
    this.workers = new WorkerManager(this.config.workerAllocation);
    this.ownsClient = !client;
    this.client = client ?? new ClientSession(this.config as SessionConfig, backendOf(this.config));
  }

  /** Connects, loads the codec and analyzes every configured topic, registering its producers. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private sessionReady?: Promise<ProducerSession>;
  private unexportStats?: () => void;

  // The backend's producer side (codec, schema); made once, before any topic is analyzed.
  private ensureSession(): Promise<ProducerSession> {
    this.sessionReady ??= (async () => {
      const session = await this.client.backend.producerSession(this.config);
      this.session = session;
      if (this.config.partitionStrategy === 'murmur2') this.stickyBytes = session.stickyKeylessBytes ?? 0;
      if (!this.closed) this.unexportStats = exportStats('producer', () => this.stats());
      return session;
    })();
    return this.sessionReady;
  }

  private async doStart(): Promise<void> {
    if (this.closed) throw new ClosedError('the producer is closed');
    await this.ensureSession();
    try {
      await Promise.all(this.config.topics.map((t) => this.topicState(t)));
    } catch (err) {
      await this.close();
      throw err;
    }
    const every = this.config.partitionsRefreshIntervalMs;
    if (every > 0) {
      this.refreshTimer = setInterval(() => void this.refreshPartitions(), every);
      this.refreshTimer.unref();
    }
  }

  /** Sends and resolves once the broker acknowledged (or rejects with a typed error). */
  produceSync(key: KeyInput, value: Value): Promise<R>;
  produceSync(topic: string, key: KeyInput, value: Value, options?: SendOptions): Promise<R>;
  produceSync(topic: string, partition: number, key: KeyInput, value: Value, options?: SendOptions): Promise<R>;
  produceSync(topic: string, messages: ProduceMessage[], options?: SendOptions): Promise<R[]>;
  produceSync(...args: unknown[]): Promise<R | R[]> {
    return this.dispatch(args) as Promise<R | R[]>;
  }

  /** Same forms as produceSync; hands the message over at once and returns its receipt's promise. */
  produce(key: KeyInput, value: Value): Promise<R>;
  produce(topic: string, key: KeyInput, value: Value, options?: SendOptions): Promise<R>;
  produce(topic: string, partition: number, key: KeyInput, value: Value, options?: SendOptions): Promise<R>;
  produce(topic: string, messages: ProduceMessage[], options?: SendOptions): Promise<R[]>;
  produce(...args: unknown[]): Promise<R | R[]> {
    const p = this.dispatch(args) as Promise<R | R[]>;
    // a fire-and-forget caller must not crash the process with an unhandled rejection
    p.catch(() => undefined);
    return p;
  }

  private dispatch(args: unknown[]): Promise<MessageId | MessageId[]> {
    try {
      const n = args.length;
      if (n === 2 && !Array.isArray(args[1])) {
        const topic = this.config.topics[0];
        if (!topic) {
          throw new InvalidArgumentError(
            'produceSync(key, value) sends to the first configured topic, but none is configured; set CORTADO_TOPICS or the topics option, or call produceSync(topic, key, value)',
          );
        }
        return this.sendOne(topic, undefined, args[0] as KeyInput, args[1], undefined);
      }
      const topic = args[0];
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new InvalidArgumentError(`topic must be a non-empty string, got ${describeType(topic)}`);
      }
      if ((n === 2 || n === 3) && Array.isArray(args[1]))
        return this.sendList(topic, args[1] as ProduceMessage[], args[2] as SendOptions | undefined);
      if (n === 3) return this.sendOne(topic, undefined, args[1] as KeyInput, args[2], undefined);
      if (n === 4 && typeof args[1] === 'number') return this.sendOne(topic, args[1], args[2] as KeyInput, args[3], undefined);
      if (n === 4) return this.sendOne(topic, undefined, args[1] as KeyInput, args[2], args[3] as SendOptions);
      if (n === 5 && typeof args[1] === 'number') return this.sendOne(topic, args[1], args[2] as KeyInput, args[3], args[4] as SendOptions);
      throw new InvalidArgumentError(
        'produceSync takes (key, value), (topic, key, value[, options]), (topic, partition, key, value[, options]) or (topic, messages[, options])',
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async sendList(topic: string, messages: ProduceMessage[], options: SendOptions | undefined): Promise<MessageId[]> {
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages must be an array of { key, value }');
    // each message's own fields win over the call's options
    const merged = messages.map((m, i) => {
      if (!m || typeof m !== 'object') throw new InvalidArgumentError(`messages[${i}] must be an object with key and value`);
      return options ? { ...options, ...m } : m;
    });
    const state = this.topics.get(topic) ?? (await this.discover(topic, options));
    // group by chosen partition, keeping each group's order; every message is its own send
    const sends: Promise<MessageId>[] = new Array(merged.length);
    const groups = new Map<number, number[]>();
    for (let i = 0; i < merged.length; i++) {
      const p = this.route(topic, state, merged[i].key, merged[i].value, merged[i]);
      const g = groups.get(p);
      if (g) g.push(i);
      else groups.set(p, [i]);
    }
    for (const [partition, idx] of groups) {
      for (const i of idx) {
        try {
          sends[i] = this.enqueue(topic, state, partition, merged[i].key, merged[i].value, merged[i]);
        } catch (err) {
          // a bad message fails the list without leaving its siblings' promises unobserved
          sends[i] = Promise.reject(err);
        }
      }
    }
    return Promise.all(sends);
  }

  // not async: a known topic costs no extra promise or microtask per message
  private sendOne(
    topic: string,
    partition: number | undefined,
    key: KeyInput,
    value: unknown,
    options: SendOptions | undefined,
  ): Promise<MessageId> {
    const state = this.topics.get(topic);
    if (!state) return this.discover(topic, options).then((s) => this.sendKnown(topic, s, partition, key, value, options));
    try {
      return this.sendKnown(topic, state, partition, key, value, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private sendKnown(
    topic: string,
    state: TopicState,
    partition: number | undefined,
    key: KeyInput,
    value: unknown,
    options: SendOptions | undefined,
  ): Promise<MessageId> {
    const p = partition ?? this.route(topic, state, key, value, options);
    if (partition !== undefined && !checkPartition(partition, state.partitions)) {
      throw new InvalidArgumentError(`partition ${partition} does not exist: ${topic} has partitions 0..${state.partitions - 1}`);
    }
    return this.enqueue(topic, state, p, key, value, options);
  }

  private route(topic: string, state: TopicState, key: KeyInput, value: unknown, options: SendOptions | undefined): number {
    const routingKey = options?.partitionKey ?? key;
    if (this.stickyBytes > 0 && (routingKey === null || routingKey === undefined)) return this.routeSticky(state, value);
    let p: unknown;
    try {
      // a schema value (an object, a number) reaches the strategy as the app gave it; the built-in ones never read it
      p = this.strategy(topic, state.current, state.partitions, routingKey as KeyInput, value as Parameters<PartitionStrategy>[4]);
    } catch (err) {
      throw new PartitionStrategyError(`the partition strategy threw for topic ${topic}: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    if (!checkPartition(p, state.partitions)) {
      throw new PartitionStrategyError(
        `the partition strategy returned ${describeValue(p)} for topic ${topic}; it must return an integer from 0 to ${state.partitions - 1}`,
      );
    }
    state.current = p;
    return p;
  }

  // a keyless record goes to the topic's sticky partition; its bytes count towards the next pick
  private routeSticky(state: TopicState, value: unknown): number {
    const pick = () => pickPartition(readyPartitions(state), state.partitions);
    const s = state.sticky && state.sticky.partition < state.partitions ? state.sticky : { partition: pick(), bytes: 0 };
    const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value instanceof Uint8Array ? value.length : 0;
    state.sticky = stickyAfter(s, size, this.stickyBytes, pick);
    state.current = s.partition;
    return s.partition;
  }

  /** Learns a topic not seen before; the send's own timeout covers this too (lookup and registration). */
  private discover(topic: string, options: SendOptions | undefined): Promise<TopicState> {
    const timeout = options?.timeout ?? this.config.sendTimeoutMs;
    const found = this.topicState(topic);
    if (timeout === 0) return found;
    return new Promise<TopicState>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new TimeoutError(`send to ${topic} timed out after ${timeout} ms while looking the topic up and registering its producers`),
          ),
        timeout,
      );
      found.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  private enqueue(
    topic: string,
    state: TopicState,
    partition: number,
    key: KeyInput,
    value: unknown,
    options: SendOptions | undefined,
  ): Promise<MessageId> {
    if (this.closed) return Promise.reject(new ClosedError('the producer is closed'));
    const encoded = this.session!.encodeValue?.(value);
    const msg = prepareMessage(key, encoded ?? value, options);
    const timeout = options?.timeout ?? this.config.sendTimeoutMs;
    if (timeout > 0) msg.deadline = Date.now() + timeout;
    const producer = this.producerFor(topic, state, partition);
    const size = msg.payload.length;
    if (producer.tryAdmit(size)) return this.handOver(producer, state.workers[partition], msg, state.stats[partition]);
    if (!this.config.blockIfQueueFull) return Promise.reject(producer.queueFullError(size));
    // blockIfQueueFull: wait in line for room; the deadline still counts from the call
    return producer.admit(size).then(() => this.handOver(producer, state.workers[partition], msg, state.stats[partition]));
  }

  private handOver(producer: PartitionSink, worker: Worker, msg: OutgoingMessage, counters: ProducerPartitionCounters): Promise<MessageId> {
    return new Promise<MessageId>((resolve, reject) => {
      const trace = traceSend(producer.topic, producer.partition, msg.payload.length);
      if (trace) {
        const settle = tracedSettle<MessageId>(trace, resolve, reject);
        msg.onResolve = settle.resolve as (id: unknown) => void;
        msg.onReject = settle.reject;
      } else {
        // untraced (nobody subscribed to cortado:send): no wrapper object per message
        msg.onResolve = resolve as (id: unknown) => void;
        msg.onReject = reject;
      }
      // stats: counted as it settles, by the shared methods below (no closure per message)
      counters.pending++;
      msg.counters = counters;
      msg.sentAt = taskNow();
      msg.resolve = countedResolve;
      msg.reject = countedReject;
      msg.ticket = producer.issueTicket();
      worker.send(producer, msg);
    });
  }

  private producerFor(topic: string, state: TopicState, partition: number): PartitionSink {
    const existing = state.producers[partition];
    // a producer that gave up on a transient error (its start timed out) is replaced; a terminal failure stays and fails fast
    if (existing && !(existing.failure?.canRetry && !this.closed)) return existing;
    const p = this.newPartitionProducer(topic, state, partition);
    p.start().catch(() => state.workers[partition].drain());
    return p;
  }

  private newPartitionProducer(topic: string, state: TopicState, partition: number): PartitionSink {
    const p = this.session!.openSink(topic, partition, state.partitioned, {
      memory: this.client.memory,
      bodies: this.bodies,
      onStateChange: partitionEvents(this, topic, partition),
    });
    state.producers[partition] = p;
    state.workers[partition] = this.workers.workerFor(topic, partition);
    state.stats[partition] ??= new ProducerPartitionCounters(topic, partition, performance.now());
    state.workers[partition].attach(p);
    return p;
  }

  /** Learns a topic's partition count (PARTITIONED_METADATA) and registers its producers, once. */
  private topicState(topic: string): Promise<TopicState> {
    const known = this.topics.get(topic);
    if (known) return Promise.resolve(known);
    let pending = this.analyzing.get(topic);
    if (!pending) {
      pending = this.analyze(topic).finally(() => this.analyzing.delete(topic));
      this.analyzing.set(topic, pending);
    }
    return pending;
  }

  private async analyze(topic: string): Promise<TopicState> {
    if (this.closed) throw new ClosedError('the producer is closed');
    await this.ensureSession();
    const count = await this.partitionCount(topic);
    const state: TopicState = {
      partitioned: count > 0,
      partitions: Math.max(count, 1),
      producers: [],
      workers: [],
      stats: [],
      current: -1,
    };
    for (let i = 0; i < state.partitions; i++) this.newPartitionProducer(topic, state, i);
    try {
      await Promise.all(state.producers.map((p) => p.start()));
    } catch (err) {
      await Promise.all(state.producers.map((p) => p.close()));
      throw err;
    }
    this.topics.set(topic, state);
    return state;
  }

  private partitionCount(topic: string): Promise<number> {
    return this.client.backend.partitionCount(topic);
  }

  /** Sends every batch now; resolves once every message produce() handed over so far is settled (stored or failed). */
  async flush(): Promise<void> {
    const producers = [...this.topics.values()].flatMap((s) => s.producers.filter(Boolean));
    await Promise.all(producers.map((p) => p.whenFlushed()));
  }

  /** Re-reads partition counts; new partitions take traffic once their producers are registered. */
  async refreshPartitions(): Promise<void> {
    for (const [topic, state] of this.topics) {
      if (!state.partitioned || this.closed) continue;
      try {
        const count = await this.partitionCount(topic);
        if (count <= state.partitions) continue;
        const added: PartitionSink[] = [];
        for (let i = state.partitions; i < count; i++) added.push(this.newPartitionProducer(topic, state, i));
        await Promise.all(added.map((p) => p.start()));
        const from = state.partitions;
        state.partitions = count;
        this.emit('partitionsChanged', { topic, from, to: count });
      } catch (err) {
        // the next refresh tries again; routing keeps to the partitions already registered
        this.client.backend.log.warn(`refreshing the partitions of ${topic} failed: ${(err as Error).message}`);
        if (this.listenerCount('error') > 0) this.emit('error', err as CortadoError);
      }
    }
  }

  /** Partition count the producer routes over for a topic (after it was analyzed). */
  partitionsOf(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions;
  }

  /** Waits for in-flight sends, closes every producer and socket; leaves no handle open. */
  /**
   * Messages and bytes sent, failed and pending, and send latency p50/p99/max over the last
   * interval (1 to 2 minutes), per partition and in total: the Java client's getStats().
   */
  stats(): ProducerStats {
    const parts: ProducerPartitionCounters[] = [];
    for (const s of this.topics.values()) for (const c of s.stats) if (c) parts.push(c);
    return producerStats(parts, performance.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unexportStats?.();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const producers = [...this.topics.values()].flatMap((s) => s.producers.filter(Boolean));
    // sends still waiting for room never reach a producer now
    if (this.ownsClient) this.client.memory.rejectWaiters(new ClosedError('the producer is closed'));
    // what was handed over settles first, within its send timeout (or operationTimeoutMs when sends never time out)
    const bound = Math.max(this.config.sendTimeoutMs, this.config.operationTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(producers.map((p) => p.whenFlushed())), new Promise<void>((r) => (timer = setTimeout(r, bound)))]);
    clearTimeout(timer);
    await Promise.all(producers.map((p) => p.close()));
    // messages still waiting in a worker's line now fail with the producers' ClosedError
    for (const w of this.workers.all()) w.drain();
    this.workers.clear();
    if (this.ownsClient) await this.client.close();
  }
}

// the partitions able to take a record now (Kafka's "available": with a leader), for a sticky pick
function readyPartitions(state: TopicState): number[] {
  const out: number[] = [];
  for (let i = 0; i < state.partitions; i++) if (state.producers[i]?.ready) out.push(i);
  return out;
}

function describeValue(v: unknown): string {
  return typeof v === 'number' ? String(v) : `${describeType(v)} ${JSON.stringify(v) ?? ''}`.trim();
}

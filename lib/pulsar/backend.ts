import { CompressionType, compressionTypeOf, loadCodec } from '../../protocol/compression';
import { AccessMode, MessageIdData, SubType } from '../../protocol/pulsar/proto';
import type {
  Backend,
  BackendFactory,
  ConsumerSession,
  PartitionRef,
  PartitionSink,
  PartitionSource,
  ProducerSession,
  SinkHooks,
  SourceHooks,
  TopicWatch,
  TopicWatchHooks,
} from '../core/backend';
import { sleep } from '../core/backoff';
import type { ClientConfig, ProducerConfig } from '../core/config';
import type { ConsumerConfig } from '../core/consumer-config';
import { BrokerError, ConfigError, InvalidArgumentError, SchemaError } from '../core/errors';
import type { Log } from '../core/logger';
import { envNameOf } from '../core/options';
import type { Message } from '../core/received-message';
import { Admin, AdminOptions, adminShape } from './admin';
import { DeadLetterProducer, fullTopicName, originOf } from './dead-letter';
import { isRetryable } from './handler-base';
import { PulsarConsumerSettings, pulsarClientShape, pulsarConsumerShape, PulsarProducerSettings, pulsarProducerShape } from './options';
import { PartitionConsumer } from './partition-consumer';
import { PartitionProducer } from './partition-producer';
import { MessageId } from './message-id';
import { readerStartOf } from './reader-start';
import { Reader, ReaderOptions } from './reader';
import type { ClientSession } from '../core/client-session';
import { entryHandleOf, ReceivedMessage } from './received-message';
import { schemaCodec } from './schema-codec';
import { SchemaVersions } from './schema-versions';
import { ClientCore, createClientCore, partitionTopicName } from './session';
import { parseServiceUrl } from './service-url';
import { lettersPolicy, retryLetterOf } from './retry-letter';
import { TopicListWatcher } from './topic-list-watcher';
import { baseTopicOf, parseTopicsPattern } from './topics-pattern';
import { traceReceive } from './trace';

type PulsarProducerConfig = ProducerConfig & PulsarProducerSettings;
type PulsarConsumerConfig = ConsumerConfig & PulsarConsumerSettings;

const SUB_TYPES: Record<PulsarConsumerSettings['subscriptionType'], SubType> = {
  exclusive: SubType.Exclusive,
  shared: SubType.Shared,
  failover: SubType.Failover,
  key_shared: SubType.Key_Shared,
};

/** One Client's Pulsar side: a connection pool and lookup service shared by its producers and consumers. */
export class PulsarBackend implements Backend {
  readonly name = 'pulsar';
  readonly core: ClientCore;

  constructor(private readonly config: ClientConfig & { listenerName?: string }) {
    this.core = createClientCore(config);
  }

  get log(): Log {
    return this.core.log;
  }

  /**
   * PARTITIONED_METADATA, retrying transient broker answers (ServiceNotReady, TooManyRequests, ...)
   * with backoff until operationTimeoutMs, as the references do; an unreachable service URL fails at once.
   */
  async partitionCount(topic: string): Promise<number> {
    const deadline = Date.now() + this.config.operationTimeoutMs;
    let wait = 100;
    for (;;) {
      try {
        return await this.core.lookup.partitionCount(topic);
      } catch (err) {
        if (this.core.pool.closed || !(err instanceof BrokerError && isRetryable(err, false)) || Date.now() + wait >= deadline) throw err;
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 30_000);
    }
  }

  async producerSession(config: ProducerConfig): Promise<ProducerSession> {
    const cfg = config as PulsarProducerConfig;
    const codec = cfg.compression !== 'none' ? await loadCodec(compressionTypeOf(cfg.compression)) : undefined;
    const values = schemaCodec(cfg.schema, cfg.topics[0] ?? 'cortado');
    const schema = values?.data;
    const core = this.core;
    return {
      encodeValue: values && ((value) => values.encode(value)),
      openSink(topic: string, partition: number, partitioned: boolean, hooks: SinkHooks): PartitionSink {
        return new PartitionProducer(partitionTopicName(topic, partition, partitioned), topic, partition, {
          pool: core.pool,
          lookup: core.lookup,
          config: cfg,
          codec,
          schema: schema && { ...schema, name: topic },
          accessMode: AccessMode[cfg.accessMode],
          memory: hooks.memory,
          onStateChange: hooks.onStateChange,
          bodies: hooks.bodies,
        });
      },
    };
  }

  async consumerSession(config: ConsumerConfig): Promise<ConsumerSession> {
    const cfg = config as PulsarConsumerConfig;
    // every codec is ready before the first MESSAGE, whatever the producer chose
    await Promise.all([CompressionType.LZ4, CompressionType.ZLIB, CompressionType.ZSTD, CompressionType.SNAPPY].map((t) => loadCodec(t)));
    const sources = new WeakMap<PartitionConsumer, PulsarSource>();
    const core = this.core;
    // one dead letter producer per dead letter topic, opened by the first dead letter
    const deadLetters = new Map<string, DeadLetterProducer>();
    const policy = lettersPolicy(cfg);
    const consumerConfig = policy === cfg.deadLetterPolicy ? cfg : { ...cfg, deadLetterPolicy: policy };
    const host = { core, config: cfg, partitionCount: (t: string) => this.partitionCount(t) };
    const valueSchema = schemaCodec(cfg.schema, cfg.topics[0] ?? 'cortado');
    const versions = valueSchema?.resolvesWriter ? new SchemaVersions(core.lookup) : undefined;
    const producerFor = (topic: string, initialSubscriptionName?: string): DeadLetterProducer => {
      let producer = deadLetters.get(topic);
      if (!producer) deadLetters.set(topic, (producer = new DeadLetterProducer(topic, initialSubscriptionName, host)));
      return producer;
    };
    const deadLetter = async (pc: PartitionConsumer, msgs: ReceivedMessage[]): Promise<void> => {
      // the Java client's default: the topic the partition consumer subscribed to, then -<subscription>-DLQ
      const producer = producerFor(policy!.deadLetterTopic ?? `${pc.topicName}-${cfg.subscription}-DLQ`, policy!.initialSubscriptionName);
      for (const m of msgs) await producer.send(m, originOf(pc.topicName, pc.topicName !== pc.topic, m));
    };
    // reconsumeLater: the retry (or, past maxRedeliverCount, dead) letter first, then the ack; a failed send redelivers it
    const reconsume = async (src: PulsarSource, m: ReceivedMessage, delayMs: number): Promise<void> => {
      const pc = src.pc;
      const letter = retryLetterOf(m, delayMs, policy!);
      try {
        await producerFor(letter.topic, letter.dead ? policy!.initialSubscriptionName : undefined).send(
          m,
          originOf(pc.topicName, pc.topicName !== pc.topic, m),
          letter.extras,
        );
      } catch (err) {
        src.nack(m);
        throw err;
      }
      src.ack(m);
    };
    const pattern = cfg.topicsPattern !== undefined ? parseTopicsPattern(cfg.topicsPattern) : undefined;
    const watchTopics = async (hooks: TopicWatchHooks): Promise<TopicWatch> => {
      const watcher = new TopicListWatcher(pattern!, {
        lookup: core.lookup,
        log: core.log,
        periodMs: cfg.patternAutoDiscoveryPeriodMs,
        changed: async (added, removed) => {
          const failed = await hooks.changed(added.map(baseTopicOf), removed.map(baseTopicOf));
          return failed.map((r: PartitionRef) => partitionTopicName(r.topic, r.partition, r.partitioned));
        },
      });
      try {
        await watcher.start();
      } catch (err) {
        await watcher.close();
        throw err;
      }
      return watcher;
    };
    return {
      watchTopics: pattern ? watchTopics : undefined,
      extraTopics: cfg.enableRetry ? [policy!.retryLetterTopic!] : undefined,
      openSource(topic: string, partition: number, partitioned: boolean, hooks: SourceHooks): PartitionSource {
        const start = cfg.subscriptionMode === 'non_durable' ? (readerStartOf(cfg) ?? { inclusive: false }) : undefined;
        if (partitioned && start?.id) {
          throw new InvalidArgumentError(
            `${topic} is partitioned and a MessageId names a position in one partition: read that partition's own topic (${topic}-partition-<n>) from it, or start at 'earliest' or 'latest' and seek`,
          );
        }
        const pc = new PartitionConsumer(partitionTopicName(topic, partition, partitioned), topic, partition, {
          kind: 'consumer',
          pool: core.pool,
          lookup: core.lookup,
          operationTimeoutMs: cfg.operationTimeoutMs,
          config: consumerConfig,
          subType: SUB_TYPES[cfg.subscriptionType],
          schema: valueSchema?.data && { ...valueSchema.data, name: topic },
          decodeValue: valueSchema && ((bytes, version) => valueSchema.decode(bytes, writerDefinition(versions, version))),
          deliver: (from, msgs) => {
            traceReceive(msgs as ReceivedMessage[]);
            if (!versions) return hooks.deliver(sources.get(from)!, msgs);
            versions.whenKnown(from, fullTopicName(from.topicName), msgs, () => hooks.deliver(sources.get(from)!, msgs));
          },
          skip: (from, reason) => hooks.skip(sources.get(from)!, reason),
          endOfTopic: (from) => hooks.endOfTopic(sources.get(from)!),
          failed: (from, err) => hooks.failed(sources.get(from)!, err),
          onStateChange: hooks.onStateChange,
          deadLetter: policy ? deadLetter : undefined,
          warn: (message) => core.log.warn(message),
          start,
        });
        const src = new PulsarSource(pc, cfg.enableRetry ? reconsume : undefined);
        sources.set(pc, src);
        return src;
      },
      sourceOf(m: Message): PartitionSource | undefined {
        const owner = entryHandleOf(m)?.owner;
        return owner instanceof PartitionConsumer ? sources.get(owner) : undefined;
      },
      async close(deadline: number): Promise<void> {
        await Promise.all([...deadLetters.values()].map((p) => p.close(deadline)));
      },
    };
  }

  /** The admin REST client, with this client's TLS and authentication settings (CORTADO_ADMIN_URL for its URL). */
  admin(options: AdminOptions = {}): Admin {
    const code: Record<string, unknown> = {};
    for (const k of Object.keys(adminShape)) {
      const v = (this.config as unknown as Record<string, unknown>)[k];
      if (v !== undefined && k !== 'adminUrl') code[k] = v;
    }
    return new Admin({ ...code, ...options } as AdminOptions);
  }

  close(): Promise<void> {
    return this.core.pool.close();
  }
}

/** A partition consumer as the façade's PartitionSource: messages in, their ack handles resolved here. */
class PulsarSource implements PartitionSource {
  readonly reconsumeLater?: (m: Message, delayMs: number) => Promise<void>;

  constructor(
    readonly pc: PartitionConsumer,
    reconsume?: (src: PulsarSource, m: ReceivedMessage, delayMs: number) => Promise<void>,
  ) {
    if (reconsume) this.reconsumeLater = (m, delayMs) => reconsume(this, m as ReceivedMessage, delayMs);
  }

  get key(): string {
    return this.pc.key;
  }

  get topic(): string {
    return this.pc.topic;
  }

  get partition(): number {
    return this.pc.partition;
  }

  get reachedEnd(): boolean {
    return this.pc.reachedEnd;
  }

  start(): Promise<void> {
    return this.pc.start();
  }

  close(deadline: number): Promise<void> {
    return this.pc.close(deadline);
  }

  handOver(m: Message): boolean {
    const h = entryHandleOf(m)!;
    this.pc.consumed(h);
    const batchIndex = (m.messageId as MessageId).batchIndex;
    if (!this.pc.wanted(h, batchIndex)) return false;
    this.pc.handedOver(h, batchIndex);
    return true;
  }

  consumed(m: Message): void {
    const h = entryHandleOf(m)!;
    this.pc.consumed(h);
    this.pc.handedOver(h, (m.messageId as MessageId).batchIndex);
  }

  ack(m: Message): void {
    this.pc.ack(entryHandleOf(m)!, (m.messageId as MessageId).batchIndex);
  }

  ackCumulative(m: Message): void {
    this.pc.ackCumulative(entryHandleOf(m)!, (m.messageId as MessageId).batchIndex);
  }

  nack(m: Message): void {
    this.pc.nack(entryHandleOf(m)!, m.redeliveryCount);
  }

  seek(target: MessageId | number): Promise<void> {
    if (typeof target === 'number') return this.pc.seek(target);
    const id: MessageIdData = { ledgerId: target.ledgerId, entryId: target.entryId };
    if (target.batchIndex !== undefined) id.batchIndex = target.batchIndex;
    return this.pc.seek(id);
  }

  unsubscribe(deadline: number): Promise<void> {
    return this.pc.unsubscribe(deadline);
  }

  async lastMessageId(): Promise<MessageId> {
    const { last } = await this.pc.getLastMessageId();
    return new MessageId(this.pc.topic, this.pc.partition, last.ledgerId, last.entryId, last.batchIndex);
  }

  hasMessageAvailable(): Promise<boolean> {
    return this.pc.hasMessageAvailable();
  }

  pause(): void {
    this.pc.pause();
  }

  resume(): void {
    this.pc.resume();
  }
}

/** The definition a message was written with, when the registry gave it; a lookup that failed is a SchemaError. */
function writerDefinition(versions: SchemaVersions | undefined, version: Buffer | undefined): string | undefined {
  const w = version && versions?.writerOf(version);
  if (!w) return undefined;
  if ('error' in w) throw new SchemaError(`the schema this message was written with is unknown: ${w.error}`);
  return w.definition;
}

/** The Pulsar backend as the registry knows it: pulsar:// and pulsar+ssl:// URLs, and its own options. */
export const pulsarBackend: BackendFactory = {
  name: 'pulsar',
  schemes: ['pulsar', 'pulsar+ssl'],
  defaultUrl: 'pulsar://127.0.0.1:6650',
  options: { client: pulsarClientShape, producer: pulsarProducerShape, consumer: pulsarConsumerShape },
  checkUrl(url: string): void {
    parseServiceUrl(url);
  },
  checkProducer(config: ProducerConfig): void {
    const cfg = config as PulsarProducerConfig;
    if (cfg.compression === 'gzip') {
      throw new ConfigError(
        'compression gzip is a Kafka codec; with Pulsar use one of none|lz4|zlib|snappy|zstd (zlib is the same deflate in a zlib frame)',
        'compression',
        envNameOf('compression'),
        cfg.compression,
      );
    }
    if (cfg.chunkingEnabled && cfg.batchingEnabled) {
      throw new ConfigError(
        'chunkingEnabled and batchingEnabled cannot both be true: a chunked message cannot be part of a batch; turn one off',
        'chunkingEnabled',
        envNameOf('chunkingEnabled'),
        true,
      );
    }
    // a bad schema fails here, at construction, not on the first send
    schemaCodec(cfg.schema, cfg.topics[0] ?? 'cortado');
  },
  checkConsumer(config: ConsumerConfig): void {
    const cfg = config as PulsarConsumerConfig;
    // as for producers: a bad schema fails at construction, not at start()
    schemaCodec(cfg.schema, cfg.topics[0] ?? 'cortado');
    if (cfg.enableRetry && cfg.topics.length === 0) {
      throw new ConfigError(
        'enableRetry needs topics (the retry letter topic is named after the first one, and topicsPattern is not supported with it); set topics',
        'enableRetry',
        envNameOf('enableRetry'),
        true,
      );
    }
    if (cfg.topicsPattern === undefined) return;
    if (cfg.topics.length > 0) {
      throw new ConfigError(
        `topics and topicsPattern cannot both be set (topics ${JSON.stringify(cfg.topics)}, topicsPattern ${JSON.stringify(cfg.topicsPattern)}); set one of them`,
        'topicsPattern',
        envNameOf('topicsPattern'),
        cfg.topicsPattern,
      );
    }
    // a bad pattern fails at construction
    parseTopicsPattern(cfg.topicsPattern);
  },
  open(config: ClientConfig): Backend {
    return new PulsarBackend(config);
  },
  openAdmin(options: Record<string, unknown>, env: NodeJS.ProcessEnv): Admin {
    return new Admin(options as AdminOptions, env);
  },
  isAdmin(x: unknown): boolean {
    return x instanceof Admin;
  },
  reader(options: ReaderOptions, env: NodeJS.ProcessEnv, client: object): Reader {
    return new Reader(options, env, client as ClientSession);
  },
};

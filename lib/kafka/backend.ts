import { loadKafkaCodec, KafkaCompression } from '../../protocol/kafka';
import { tlsOptionsOf } from '../auth';
import type { Backend, BackendFactory, ConsumerSession, PartitionSink, ProducerSession, SinkHooks } from '../core/backend';
import { clientShape, parseFor, type ClientConfig, type ProducerConfig } from '../core/config';
import type { ConsumerConfig } from '../core/shapes';
import { ConfigError } from '../core/errors';
import { createLog, Log } from '../core/logger';
import { envNameOf } from '../core/options';
import { KafkaAdmin } from './admin';
import { KafkaAddress, parseKafkaUrl } from './broker-url';
import { KafkaCluster, METADATA } from './cluster';
import { herokuKafkaOptions } from './heroku';
import { KafkaConsumerConfig, KafkaConsumerSession } from './consumer-session';
import type { KafkaApi } from './connection';
import { kafkaClientShape, KafkaClientSettings, kafkaConsumerShape, kafkaProducerShape, KafkaProducerSettings } from './options';
import { KafkaPartitionProducer } from './partition-producer';
import { ProduceDispatcher, PRODUCE } from './produce-dispatcher';
import { INIT_PRODUCER_ID, ProducerIdentity } from './producer-identity';
import { saslAuthenticator } from './sasl';

type KafkaProducerConfig = ProducerConfig & KafkaProducerSettings;
type KafkaClientConfig = ClientConfig & KafkaClientSettings;

// The APIs a producer needs, at the versions we pin: a broker without them is too old.
const REQUIRED: ReadonlyArray<KafkaApi<unknown, unknown>> = [METADATA, PRODUCE, INIT_PRODUCER_ID] as unknown as ReadonlyArray<
  KafkaApi<unknown, unknown>
>;

const ACKS = { all: -1, leader: 1, none: 0 } as const;

// Pulsar's codec names that Kafka lacks, and the Kafka name to use instead.
const KAFKA_COMPRESSION: Record<string, KafkaCompression | undefined> = {
  none: 'none',
  gzip: 'gzip',
  snappy: 'snappy',
  lz4: 'lz4',
  zstd: 'zstd',
};

/** One Client's Kafka side: the cluster metadata and one connection per broker, shared by its producers. */
export class KafkaBackend implements Backend {
  readonly name = 'kafka';
  readonly cluster: KafkaCluster;
  readonly log: Log;

  constructor(private readonly config: KafkaClientConfig) {
    this.log = createLog(config.logger, config.logLevel);
    const bootstrap: KafkaAddress[] = parseKafkaUrl(config.url);
    const tls = bootstrap[0].tls ? tlsOptionsOf(config) : undefined;
    this.cluster = new KafkaCluster(
      bootstrap,
      {
        clientId: config.clientId,
        connectTimeoutMs: config.connectionTimeoutMs,
        requestTimeoutMs: config.operationTimeoutMs,
        tls,
        authenticate: saslAuthenticator(config),
        log: this.log,
      },
      REQUIRED,
      config.operationTimeoutMs,
    );
  }

  partitionCount(topic: string): Promise<number> {
    return this.cluster.partitionCount(topic);
  }

  async producerSession(config: ProducerConfig): Promise<ProducerSession> {
    const cfg = config as KafkaProducerConfig;
    const compression = KAFKA_COMPRESSION[cfg.compression]!;
    const codec = compression === 'none' ? undefined : await loadKafkaCodec(compression);
    const identity = cfg.idempotence ? new ProducerIdentity(this.cluster, cfg.operationTimeoutMs) : undefined;
    const cluster = this.cluster;
    const acks = ACKS[cfg.acks];
    // one per Producer: its partitions' batches for one broker share a request
    const dispatcher = new ProduceDispatcher(cluster, acks, cfg.operationTimeoutMs);
    return {
      // the Java producer's batch.size is its sticky batch size too
      stickyKeylessBytes: cfg.batchingMaxBytes,
      openSink(topic: string, partition: number, _partitioned: boolean, hooks: SinkHooks): PartitionSink {
        return new KafkaPartitionProducer(
          topic,
          partition,
          {
            cluster,
            dispatcher,
            identity,
            compression,
            codec,
            acks,
            lingerMs: cfg.batchingEnabled ? cfg.batchingFlushMs : 0,
            maxBatchBytes: cfg.batchingMaxBytes,
            maxBatchMessages: cfg.batchingEnabled ? cfg.batchingMaxMessages : Number.MAX_SAFE_INTEGER,
            maxInFlight: cfg.maxInFlightRequests,
            maxPendingMessages: cfg.maxPendingMessages,
            retryBackoffMs: cfg.retryBackoffMs,
            operationTimeoutMs: cfg.operationTimeoutMs,
            startupDelayMs: cfg.startupDelayMs,
            startupJitterMs: cfg.startupJitterMs,
          },
          hooks,
        );
      },
    };
  }

  consumerSession(config: ConsumerConfig): Promise<ConsumerSession> {
    return KafkaConsumerSession.open(this.cluster, config as KafkaConsumerConfig, this.log);
  }

  admin(): KafkaAdmin {
    return new KafkaAdmin(this.cluster, this.config.operationTimeoutMs, false);
  }

  close(): Promise<void> {
    return this.cluster.close();
  }
}

/** The Kafka backend as the registry knows it: kafka:// and kafka+ssl:// URLs, and its own options. */
export const kafkaBackend: BackendFactory = {
  name: 'kafka',
  schemes: ['kafka', 'kafka+ssl'],
  defaultUrl: 'kafka://127.0.0.1:9092',
  options: { client: kafkaClientShape, producer: kafkaProducerShape, consumer: kafkaConsumerShape },
  checkUrl(url: string): void {
    parseKafkaUrl(url);
  },
  deriveOptions: herokuKafkaOptions,
  checkProducer(config: ProducerConfig): void {
    const cfg = config as KafkaProducerConfig;
    if (KAFKA_COMPRESSION[cfg.compression] === undefined) {
      throw new ConfigError(
        `compression ${cfg.compression} is not a Kafka codec; Kafka has none, gzip, snappy, lz4 and zstd`,
        'compression',
        envNameOf('compression'),
        cfg.compression,
      );
    }
    if (cfg.idempotence && cfg.acks !== 'all') {
      throw new ConfigError(
        `idempotence needs acks=all (got acks=${cfg.acks}); set idempotence=false to use acks=${cfg.acks}`,
        'acks',
        envNameOf('acks'),
        cfg.acks,
      );
    }
  },
  open(config: ClientConfig): Backend {
    return new KafkaBackend(config as KafkaClientConfig);
  },
  openAdmin(options: Record<string, unknown>, env: NodeJS.ProcessEnv): KafkaAdmin {
    if (options.adminUrl !== undefined) {
      throw new ConfigError(
        'option adminUrl is the Pulsar admin REST URL; a Kafka Admin talks to the brokers of url (kafka://host:port)',
        'adminUrl',
        envNameOf('adminUrl'),
        options.adminUrl,
      );
    }
    const { config } = parseFor('client', clientShape, options, env);
    const backend = new KafkaBackend(config as unknown as KafkaClientConfig);
    return new KafkaAdmin(backend.cluster, config.operationTimeoutMs, true);
  },
  isAdmin(x: unknown): boolean {
    return x instanceof KafkaAdmin;
  },
};

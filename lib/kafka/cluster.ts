import * as Metadata from '../../protocol/kafka/metadata';
import { ApiKey, decodeMetadataResponse, encodeMetadataRequest, MetadataResponse } from '../../protocol/kafka';
import { sleep } from '../core/backoff';
import { ClosedError, ConnectionError, CortadoError, TopicError } from '../core/errors';
import { Log, SILENT_LOG } from '../core/logger';
import { kafkaAddressKey, KafkaAddress } from './broker-url';
import { KafkaApi, KafkaConnection, KafkaConnectionOptions } from './connection';
import { kafkaError } from './errors';

export const METADATA: KafkaApi<Parameters<typeof encodeMetadataRequest>[1], MetadataResponse> = {
  apiKey: ApiKey.Metadata,
  version: Metadata.VERSION,
  flexible: Metadata.FLEXIBLE,
  encode: encodeMetadataRequest,
  decode: decodeMetadataResponse,
};

export interface PartitionInfo {
  partition: number;
  /** the leader's node id; -1 while none is elected */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  name: string;
  partitions: PartitionInfo[];
}

// Errors of a topic in a Metadata answer that pass once the cluster settles (a new topic, an election).
const SETTLING = new Set([5, 3, 6, 9]);

/**
 * What a client knows of a Kafka cluster: its brokers, the topics asked about, and one connection
 * per broker, shared by every producer of the client (the Java client's Metadata and NetworkClient).
 */
export class KafkaCluster {
  private readonly brokers = new Map<number, KafkaAddress>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly connections = new Map<string, Promise<KafkaConnection>>();
  private refreshing?: Promise<void>;
  private wantedTopics = new Set<string>();
  private isClosed = false;
  readonly log: Log;

  constructor(
    private readonly bootstrap: KafkaAddress[],
    private readonly options: KafkaConnectionOptions,
    private readonly required: ReadonlyArray<KafkaApi<unknown, unknown>>,
    private readonly operationTimeoutMs: number,
  ) {
    this.log = options.log ?? SILENT_LOG;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** How many broker connections are open or opening. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The connection to an address, opened on first use and replaced once it closed. */
  connectionTo(address: KafkaAddress): Promise<KafkaConnection> {
    if (this.isClosed) return Promise.reject(new ClosedError('the client is closed'));
    const key = kafkaAddressKey(address);
    let c = this.connections.get(key);
    if (!c) {
      c = KafkaConnection.connect({ ...address, tls: this.bootstrap[0].tls }, this.options, this.required).then((conn) => {
        conn.onClose(() => {
          if (this.connections.get(key) === c) this.connections.delete(key);
        });
        return conn;
      });
      c.catch(() => {
        if (this.connections.get(key) === c) this.connections.delete(key);
      });
      this.connections.set(key, c);
    }
    return c;
  }

  /** The connection to a node of the cluster, by id. */
  connectionToNode(nodeId: number): Promise<KafkaConnection> {
    const a = this.brokers.get(nodeId);
    if (!a) return Promise.reject(new ConnectionError(`broker ${nodeId} is not in the cluster metadata`));
    return this.connectionTo(a);
  }

  /** Any broker that answers: known brokers first, then the bootstrap list. */
  async anyConnection(): Promise<KafkaConnection> {
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    let last: unknown;
    for (const a of candidates) {
      try {
        return await this.connectionTo(a);
      } catch (err) {
        last = err;
        if (err instanceof CortadoError && !err.canRetry) throw err;
      }
    }
    throw last instanceof Error ? last : new ConnectionError('no Kafka broker answered');
  }

  /** The last known state of a topic, if it was asked about. */
  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /** Asks for fresh metadata of every topic asked about so far (and `topic`); calls made meanwhile share one request. */
  refresh(topic?: string): Promise<void> {
    if (topic) this.wantedTopics.add(topic);
    this.refreshing ??= this.fetchMetadata().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async fetchMetadata(): Promise<void> {
    const conn = await this.anyConnection();
    const names = [...this.wantedTopics];
    const res = await conn.request(METADATA, {
      topics: names.map((name) => ({ name })),
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    for (const b of res.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port, tls: this.bootstrap[0].tls });
    for (const t of res.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0) {
        // a topic being created or electing leaders keeps its last known state
        if (!SETTLING.has(t.errorCode)) this.topics.delete(t.name);
        continue;
      }
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.errorCode === 0 || p.errorCode === 9 ? p.leaderId : -1,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
        };
      }
      this.topics.set(t.name, { name: t.name, partitions });
    }
    this.lastErrors = new Map(res.topics.filter((t) => t.name !== null && t.errorCode !== 0).map((t) => [t.name as string, t.errorCode]));
  }

  private lastErrors = new Map<string, number>();

  /**
   * A topic's partition count, waiting (until operationTimeoutMs) while the cluster creates it or
   * elects leaders; a topic that does not exist and cannot be created is a TopicError.
   */
  async partitionCount(topic: string): Promise<number> {
    const deadline = Date.now() + this.operationTimeoutMs;
    let wait = 50;
    for (;;) {
      let err: unknown;
      try {
        await this.refresh(topic);
        const t = this.topics.get(topic);
        if (t && t.partitions.length > 0 && t.partitions.every((p) => p && p.leader >= 0)) return t.partitions.length;
        const code = this.lastErrors.get(topic);
        if (code !== undefined && !SETTLING.has(code)) throw kafkaError(code, `metadata of ${topic}`);
      } catch (e) {
        if (e instanceof CortadoError && !e.canRetry) throw e;
        err = e;
      }
      if (this.isClosed) throw new ClosedError('the client is closed');
      if (Date.now() + wait >= deadline) {
        if (err instanceof Error) throw err;
        const code = this.lastErrors.get(topic);
        throw code !== undefined
          ? kafkaError(code, `metadata of ${topic} within ${this.operationTimeoutMs} ms (operationTimeoutMs)`)
          : new TopicError(
              `${topic} has no leader for every partition after ${this.operationTimeoutMs} ms (operationTimeoutMs)`,
              'LEADER_NOT_AVAILABLE',
            );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 1000);
    }
  }

  /** Drops every open connection as a network loss would (requests in flight fail retriably); the next use reconnects. */
  async dropConnections(why = 'connections dropped'): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const c of all) {
      try {
        (await c).close(new ConnectionError(why));
      } catch {
        // a connection that never opened has nothing to drop
      }
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const c of all) {
      try {
        (await c).close();
      } catch {
        // a connection that never opened has nothing to close
      }
    }
  }
}

import { EventEmitter } from 'events';
import * as net from 'net';
import {
  ApiKey,
  apiKeyName,
  decodeRecordBatches,
  KafkaCodec,
  lz4FrameCompress,
  lz4FrameDecompress,
  ProduceResponse,
  Reader,
  ResponseFramer,
} from '../../protocol/kafka';
import type { ApiVersion, ApiVersionsResponse, InitProducerIdResponse, MetadataResponse, Writer } from '../../protocol/kafka';
import {
  ApiVersionsRequestBody,
  decodeApiVersionsRequest,
  decodeInitProducerIdRequest,
  decodeMetadataRequest,
  decodeProduceRequest,
  encodeApiVersionsResponse,
  encodeInitProducerIdResponse,
  encodeMetadataResponse,
  encodeProduceResponse,
  encodeResponseFrame,
  InitProducerIdRequestBody,
  MetadataRequestBody,
  ProduceRequestBody,
  readRequestHeader,
  ScriptedRequestHeader,
} from './scripted-kafka-wire';
import {
  CONSUMER_APIS,
  ConsumerApiName,
  ConsumerRequestBodies,
  ConsumerResponseBodies,
  ScriptedConsumerSide,
  ScriptedGroup,
} from './scripted-kafka-consumer-side';

/**
 * A scripted Kafka broker on 127.0.0.1 for regression tests of an exact fault moment. It speaks the
 * real wire (protocol/kafka plus scripted-kafka-wire.ts) and by default answers as a healthy broker:
 * ApiVersions, Metadata (auto-creating one-partition topics it leads), InitProducerId (new ids and
 * epoch bumps) and Produce (records stored per partition with offsets; idempotence as a broker keeps
 * it: per producer id and partition the epoch, the next sequence and the last 5 batches, so a
 * duplicate gets its original offset and a gap OUT_OF_ORDER_SEQUENCE_NUMBER 45). For consumers
 * (scripted-kafka-consumer-side.ts): Fetch and ListOffsets from its logs (`appendRecords`,
 * `setLogStart`; an empty Fetch waits up to its max wait), and one classic group coordinator
 * (`cluster.coordinator` moves it; groups and committed offsets in `cluster.groups`). Answers on one
 * connection go out in request order, as a broker's do.
 *
 * A hook per API replaces the default answer; it gets the decoded request and a Reply:
 *
 *   peer.on('Produce', (req, reply) => reply.error(6));              // every Produce: NOT_LEADER_OR_FOLLOWER
 *   peer.once('Produce', (req, reply) => reply.delay(100).ok());     // the next one: normal, 100 ms late
 *   peer.once('Produce', (req, reply) => reply.okExcept({ 1: 6 }));  // partition 1 refused, the others stored
 *   peer.once('Produce', (req, reply) => reply.silent());            // never answered (nothing stored)
 *   peer.once('Produce', (req, reply) => reply.unsent().ok());       // stored, but the answer is lost
 *   peer.once('Produce', (req, reply) => reply.destroy());           // the socket drops instead
 *   peer.on('ApiVersions', (req, reply) => reply.respond({ ... }));  // this body instead
 *   peer.on('Produce', () => undefined);                             // a hook that calls nothing leaves it unanswered
 *
 * `once` hooks run first (oldest first), then the newest `on` hook. Several peers form a cluster by
 * sharing one ScriptedKafkaCluster (brokers, topics and leaders, producer ids): `cluster.setLeader`
 * moves a partition. Logs (`requests`, `batches`, `log(topic, partition)`, `initProducerIds`) and
 * `waitUntil` let a test assert what the client did; `stop()` ends it.
 */

export type KafkaApiName = 'ApiVersions' | 'Metadata' | 'InitProducerId' | 'Produce' | ConsumerApiName;

export interface RequestBodies extends ConsumerRequestBodies {
  ApiVersions: ApiVersionsRequestBody;
  Metadata: MetadataRequestBody;
  InitProducerId: InitProducerIdRequestBody;
  Produce: ProduceRequestBody;
}

export interface ResponseBodies extends ConsumerResponseBodies {
  ApiVersions: ApiVersionsResponse;
  Metadata: MetadataResponse;
  InitProducerId: InitProducerIdResponse;
  Produce: ProduceResponse;
}

export interface KafkaRequest<A extends KafkaApiName = KafkaApiName> {
  api: A;
  /** the accepting order of its connection on this peer, from 1 */
  connection: number;
  header: ScriptedRequestHeader;
  body: RequestBodies[A];
  /** Produce only: each partition's batches, decoded */
  batches: ProducedBatch[];
}

/** One record batch a Produce carried, with what the peer answered for it. */
export interface ProducedBatch {
  connection: number;
  correlationId: number;
  topic: string;
  partition: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  values: string[];
  /** the error code answered for it; undefined until answered (or when never answered) */
  answer?: number;
  /** true when it was appended to the log (not a duplicate, not refused) */
  stored?: boolean;
}

export interface StoredRecord {
  offset: number;
  key: string | null;
  value: string | null;
  producerId: bigint;
  producerEpoch: number;
  sequence: number;
}

type AnyResponse = ResponseBodies[KafkaApiName];

export type KafkaHook<A extends KafkaApiName> = (req: KafkaRequest<A>, reply: KafkaReply<A>) => void;

const API_OF: Record<number, KafkaApiName> = {
  [ApiKey.ApiVersions]: 'ApiVersions',
  [ApiKey.Metadata]: 'Metadata',
  [ApiKey.InitProducerId]: 'InitProducerId',
  [ApiKey.Produce]: 'Produce',
  ...Object.fromEntries(Object.entries(CONSUMER_APIS).map(([name, c]) => [c.key, name])),
};

const isConsumerApi = (api: KafkaApiName): api is ConsumerApiName => api in CONSUMER_APIS;

/** What the peer offers by default: the versions cortado pins sit inside each range. */
export const DEFAULT_API_VERSIONS: ApiVersion[] = [
  { apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 9 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.InitProducerId, minVersion: 0, maxVersion: 4 },
  ...Object.values(CONSUMER_APIS).map((c) => ({ apiKey: c.key, minVersion: 0, maxVersion: c.version })),
];

const NOT_LEADER = 6;
const OUT_OF_ORDER = 45;
const INVALID_PRODUCER_EPOCH = 47;
const UNKNOWN_TOPIC = 3;
const INVALID_RECORD = 87;
const SEQUENCE_WRAP = 0x80000000;
// a broker remembers this many batches per producer and partition to answer duplicates
const REMEMBERED = 5;

/** What brokers sharing it agree on: who is in the cluster, each partition's leader, producer ids. */
export class ScriptedKafkaCluster {
  readonly brokers = new Map<number, { host: string; port: number }>();
  /** per topic, per partition: leader node id and leader epoch */
  readonly topics = new Map<string, Array<{ leader: number; leaderEpoch: number }>>();
  /** each producer id's current epoch */
  readonly producerEpochs = new Map<bigint, number>();
  nextProducerId = 4000n;
  /** consumer groups, kept by the coordinator */
  readonly groups = new Map<string, ScriptedGroup>();
  /** the node coordinating every group; the first broker by default */
  coordinator = -1;

  /** Adds a topic whose every partition `leader` leads. */
  createTopic(name: string, partitions: number, leader: number): void {
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => ({ leader, leaderEpoch: 0 })),
    );
  }

  /** Moves a partition's leadership (its leader epoch rises, as after an election). */
  setLeader(topic: string, partition: number, leader: number): void {
    const p = this.topics.get(topic)?.[partition];
    if (!p) throw new Error(`no partition ${topic}-${partition}`);
    p.leader = leader;
    p.leaderEpoch++;
  }

  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.leader ?? -1;
  }

  coordinatorId(): number {
    return this.coordinator >= 0 ? this.coordinator : [...this.brokers.keys()][0];
  }
}

export interface ScriptedKafkaBrokerOptions {
  /** default 1 */
  nodeId?: number;
  /** shared with other peers to form a cluster; a new one (this peer alone) by default */
  cluster?: ScriptedKafkaCluster;
  /** topics to create, led by this peer: name -> partition count */
  topics?: Record<string, number>;
  /** what ApiVersions offers (DEFAULT_API_VERSIONS by default) */
  apiVersions?: ApiVersion[];
  /** Metadata for an unknown topic creates it with one partition led by this peer (default true) */
  autoCreateTopics?: boolean;
}

interface HookEntry {
  fn: KafkaHook<KafkaApiName>;
  once: boolean;
}

interface Sequencing {
  epoch: number;
  /** the last sequence appended; -1 before any */
  lastSequence: number;
  recent: Array<{ first: number; last: number; baseOffset: number }>;
}

/** One accepted socket; answers leave in request order. */
class PeerSocket {
  /** one slot per request, in arrival order: bytes once answered, null once it will never be */
  private readonly slots: Array<{ out?: Buffer | null }> = [];
  closed = false;

  constructor(
    readonly id: number,
    readonly sock: net.Socket,
  ) {}

  slot(): { out?: Buffer | null } {
    const s: { out?: Buffer | null } = {};
    this.slots.push(s);
    return s;
  }

  flush(): void {
    while (this.slots.length > 0 && this.slots[0].out !== undefined) {
      const s = this.slots.shift()!;
      if (s.out && !this.closed) this.sock.write(s.out);
    }
  }

  destroy(): void {
    this.closed = true;
    this.sock.destroy();
  }
}

interface ReplyPlan {
  delayMs: number;
  unsent: boolean;
  destroyAfter: boolean;
}

/**
 * How a hook answers one request. Modifiers (`delay`, `unsent`, `andDestroy`) return a new Reply;
 * an action (`ok`, `error`, `respond`, `silent`, `destroy`) settles it, once.
 */
export class KafkaReply<A extends KafkaApiName = KafkaApiName> {
  constructor(
    private readonly peer: ScriptedKafkaBroker,
    private readonly conn: PeerSocket,
    readonly req: KafkaRequest<A>,
    private readonly slot: { out?: Buffer | null },
    private readonly plan: ReplyPlan = { delayMs: 0, unsent: false, destroyAfter: false },
  ) {}

  /** Answers after `ms` (side effects such as storing records happen then too). */
  delay(ms: number): KafkaReply<A> {
    return this.with({ delayMs: this.plan.delayMs + ms });
  }

  /** The answer is made (records stored, ids given) but never written: a response lost on the way. */
  unsent(): KafkaReply<A> {
    return this.with({ unsent: true });
  }

  /** Drops the connection once the answer is written (or, with `unsent`, made). */
  andDestroy(): KafkaReply<A> {
    return this.with({ destroyAfter: true });
  }

  /** The healthy broker's answer. */
  ok(): void {
    this.finish(() => this.peer.defaultAnswer(this.req as KafkaRequest));
  }

  /** Produce: the healthy answer, but a partition index in `refused` gets its error code (nothing stored there). */
  okExcept(refused: Record<number, number>): void {
    this.finish(() => this.peer.defaultAnswer(this.req as KafkaRequest, refused));
  }

  /** The API's error answer: Produce gives `code` to every partition it carried (nothing stored). */
  error(code: number, message: string | null = null): void {
    this.finish(() => this.peer.errorAnswer(this.req as KafkaRequest, code, message));
  }

  /** This response body instead (encoded for the request's version). */
  respond(body: ResponseBodies[A]): void {
    this.finish(() => body);
  }

  /** No answer ever; later answers on the connection still go. */
  silent(): void {
    this.peer.later(() => {
      this.slot.out = null;
      this.conn.flush();
    }, this.plan.delayMs);
  }

  /** Drops the connection instead of answering. */
  destroy(): void {
    this.peer.later(() => {
      this.slot.out = null;
      this.conn.destroy();
    }, this.plan.delayMs);
  }

  private with(p: Partial<ReplyPlan>): KafkaReply<A> {
    return new KafkaReply(this.peer, this.conn, this.req, this.slot, { ...this.plan, ...p });
  }

  private finish(answer: () => AnyResponse | undefined): void {
    this.peer.later(() => {
      if (this.slot.out !== undefined) throw new Error(`${this.req.api} correlation ${this.req.header.correlationId} answered twice`);
      if (this.conn.closed) {
        this.slot.out = null;
        return;
      }
      const body = answer();
      this.slot.out = body === undefined || this.plan.unsent ? null : this.peer.frameOf(this.req as KafkaRequest, body);
      this.conn.flush();
      if (this.plan.destroyAfter) this.conn.destroy();
    }, this.plan.delayMs);
  }
}

export class ScriptedKafkaBroker {
  readonly nodeId: number;
  readonly cluster: ScriptedKafkaCluster;
  /** every request decoded, in arrival order */
  readonly requests: KafkaRequest[] = [];
  /** every Produce record batch received, in arrival order */
  readonly batches: ProducedBatch[] = [];
  /** every InitProducerId asked and what it got */
  readonly initProducerIds: Array<{ request: InitProducerIdRequestBody; response: InitProducerIdResponse }> = [];
  /** things that went wrong inside the peer (undecodable bytes, a hook that threw) */
  readonly errors: Error[] = [];
  connections = 0;
  private readonly logs = new Map<string, StoredRecord[]>();
  private readonly sequencing = new Map<string, Sequencing>();
  private readonly hooks = new Map<KafkaApiName, HookEntry[]>();
  private readonly live = new Set<PeerSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly changed = new EventEmitter().setMaxListeners(0);
  private readonly apiVersions: ApiVersion[];
  private readonly logStarts = new Map<string, number>();
  private readonly consumerSide: ScriptedConsumerSide;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly options: ScriptedKafkaBrokerOptions,
  ) {
    this.nodeId = options.nodeId ?? 1;
    this.cluster = options.cluster ?? new ScriptedKafkaCluster();
    this.apiVersions = options.apiVersions ?? DEFAULT_API_VERSIONS;
    this.cluster.brokers.set(this.nodeId, { host: '127.0.0.1', port });
    for (const [name, n] of Object.entries(options.topics ?? {})) this.cluster.createTopic(name, n, this.nodeId);
    const cluster = this.cluster;
    this.consumerSide = new ScriptedConsumerSide({
      nodeId: this.nodeId,
      leaderOf: (t, p) => cluster.leaderOf(t, p),
      leaderEpochOf: (t, p) => cluster.topics.get(t)?.[p]?.leaderEpoch ?? -1,
      hasTopic: (t) => cluster.topics.has(t),
      broker: (id) => cluster.brokers.get(id),
      coordinator: () => cluster.coordinatorId(),
      groups: cluster.groups,
      values: (t, p) => this.log(t, p),
      logStart: (t, p) => this.logStarts.get(`${t}-${p}`) ?? 0,
    });
  }

  static async start(options: ScriptedKafkaBrokerOptions = {}): Promise<ScriptedKafkaBroker> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const peer = new ScriptedKafkaBroker(server, (server.address() as net.AddressInfo).port, options);
    server.on('connection', (sock) => peer.accept(sock));
    return peer;
  }

  get url(): string {
    return `kafka://127.0.0.1:${this.port}`;
  }

  /** Replaces the default answer of an API for every later request (the newest `on` hook wins). */
  on<A extends KafkaApiName>(api: A, hook: KafkaHook<A>): this {
    return this.addHook(api, hook, false);
  }

  /** Replaces the default answer of the next request of an API only. */
  once<A extends KafkaApiName>(api: A, hook: KafkaHook<A>): this {
    return this.addHook(api, hook, true);
  }

  /** Back to the default answers for an API. */
  off(api: KafkaApiName): this {
    this.hooks.delete(api);
    return this;
  }

  private addHook<A extends KafkaApiName>(api: A, hook: KafkaHook<A>, once: boolean): this {
    const list = this.hooks.get(api) ?? [];
    list.push({ fn: hook as unknown as KafkaHook<KafkaApiName>, once });
    this.hooks.set(api, list);
    return this;
  }

  /** How many requests of an API arrived. */
  count(api: KafkaApiName): number {
    return this.requests.filter((r) => r.api === api).length;
  }

  /** The records stored in a partition, in offset order. */
  log(topic: string, partition = 0): StoredRecord[] {
    return this.logs.get(`${topic}-${partition}`) ?? [];
  }

  /** Resolves once `pred` holds (checked after every request and lost connection); rejects after `timeoutMs`. */
  waitUntil(pred: () => boolean, timeoutMs = 3000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.changed.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changed.off('change', check);
        reject(new Error(`scripted kafka broker ${this.nodeId}: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.changed.on('change', check);
    });
  }

  /** Appends records to a partition's log here (a replica: append to each peer that may lead it), as if produced. */
  appendRecords(topic: string, partition: number, values: string[], key: string | null = null): void {
    const k = `${topic}-${partition}`;
    const log = this.logs.get(k) ?? [];
    this.logs.set(k, log);
    for (const value of values) log.push({ offset: log.length, key, value, producerId: -1n, producerEpoch: -1, sequence: -1 });
    this.changed.emit('change');
  }

  /** Deletes a partition's records before `offset` (retention), so earlier offsets are out of range. */
  setLogStart(topic: string, partition: number, offset: number): void {
    this.logStarts.set(`${topic}-${partition}`, offset);
  }

  /** Drops every open connection, as a network loss would. */
  dropConnections(): void {
    for (const c of this.live) c.destroy();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dropConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Runs `fn` after `ms` (now when 0), recording a throw as a peer error. */
  later(fn: () => void, ms: number): void {
    const run = () => {
      try {
        fn();
      } catch (err) {
        this.errors.push(err as Error);
      }
      this.changed.emit('change');
    };
    if (ms <= 0) {
      run();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  private accept(sock: net.Socket): void {
    const conn = new PeerSocket(++this.connections, sock);
    this.live.add(conn);
    sock.setNoDelay(true);
    const framer = new ResponseFramer();
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const frame of framer.push(chunk)) this.onRequest(conn, frame);
      } catch (err) {
        this.errors.push(err as Error);
        conn.destroy();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      conn.closed = true;
      this.live.delete(conn);
      this.changed.emit('change');
    });
  }

  private onRequest(conn: PeerSocket, frame: Buffer): void {
    const r = new Reader(frame);
    const header = readRequestHeader(r);
    const api = API_OF[header.apiKey];
    if (!api) throw new Error(`the scripted kafka broker does not speak ${apiKeyName(header.apiKey)} v${header.apiVersion}`);
    const body = isConsumerApi(api)
      ? CONSUMER_APIS[api].decode(r)
      : api === 'ApiVersions'
        ? decodeApiVersionsRequest(r, header.apiVersion)
        : api === 'Metadata'
          ? decodeMetadataRequest(r)
          : api === 'InitProducerId'
            ? decodeInitProducerIdRequest(r)
            : decodeProduceRequest(r);
    if (r.remaining !== 0) throw new Error(`${api} v${header.apiVersion}: ${r.remaining} bytes after the body`);
    const req: KafkaRequest = { api, connection: conn.id, header, body, batches: [] };
    if (api === 'Produce') {
      for (const t of (body as ProduceRequestBody).topicData)
        for (const p of t.partitionData)
          for (const b of decodeRecordBatches(p.records ?? Buffer.alloc(0), peerCodec)) {
            req.batches.push({
              connection: conn.id,
              correlationId: header.correlationId,
              topic: t.name,
              partition: p.index,
              producerId: b.producerId,
              producerEpoch: b.producerEpoch,
              baseSequence: b.baseSequence,
              recordCount: b.records.length,
              values: b.records.map((x) => (x.value === null ? '' : x.value.toString('utf8'))),
            });
          }
      this.batches.push(...req.batches);
    }
    this.requests.push(req);
    // acks=0: the broker never answers, so its slot stays outside the line and holds no later answer back
    const slot = api === 'Produce' && (body as ProduceRequestBody).acks === 0 ? {} : conn.slot();
    const reply = new KafkaReply(this, conn, req, slot);
    const hook = this.takeHook(api);
    try {
      if (hook) hook(req, reply);
      // a long poll: a Fetch with nothing new waits (up to its max wait) before the answer is made
      else if (api === 'Fetch' && this.consumerSide.fetchIsEmpty(body as RequestBodies['Fetch']))
        reply.delay(Math.min((body as RequestBodies['Fetch']).maxWaitMs, 200)).ok();
      else reply.ok();
    } catch (err) {
      this.errors.push(err as Error);
    }
    this.changed.emit('change');
  }

  private takeHook(api: KafkaApiName): KafkaHook<KafkaApiName> | undefined {
    const list = this.hooks.get(api);
    if (!list) return undefined;
    const i = list.findIndex((h) => h.once);
    if (i >= 0) return list.splice(i, 1)[0].fn;
    return list[list.length - 1]?.fn;
  }

  /** The response frame of a request; ApiVersions keeps response header v0 whatever its version. */
  frameOf(req: KafkaRequest, body: AnyResponse): Buffer {
    const { header } = req;
    const flexibleHeader = header.flexible && req.api !== 'ApiVersions';
    return encodeResponseFrame(header.correlationId, flexibleHeader, (w: Writer) => {
      if (isConsumerApi(req.api)) (CONSUMER_APIS[req.api].encode as (w: Writer, b: AnyResponse) => void)(w, body);
      else if (req.api === 'ApiVersions') encodeApiVersionsResponse(w, header.apiVersion, body as ApiVersionsResponse);
      else if (req.api === 'Metadata') encodeMetadataResponse(w, body as MetadataResponse);
      else if (req.api === 'InitProducerId') encodeInitProducerIdResponse(w, body as InitProducerIdResponse);
      else encodeProduceResponse(w, body as ProduceResponse);
    });
  }

  /** What a healthy broker answers (with its side effects: topics created, ids given, records stored). */
  defaultAnswer(r: KafkaRequest, refused: Record<number, number> = {}): AnyResponse | undefined {
    if (isConsumerApi(r.api)) return this.consumerSide.answer(r.api, r.body as RequestBodies[ConsumerApiName]);
    if (r.api === 'ApiVersions') return { errorCode: 0, apiKeys: this.apiVersions, throttleTimeMs: 0 };
    if (r.api === 'Metadata') return this.metadata(r.body as MetadataRequestBody);
    if (r.api === 'InitProducerId') return this.initProducerId(r.body as InitProducerIdRequestBody);
    return this.produce(r as KafkaRequest<'Produce'>, refused);
  }

  /** The API's error answer, with no side effects. */
  errorAnswer(r: KafkaRequest, code: number, message: string | null): AnyResponse {
    if (isConsumerApi(r.api)) return this.consumerSide.error(r.api, r.body as RequestBodies[ConsumerApiName], code);
    if (r.api === 'ApiVersions') return { errorCode: code, apiKeys: [], throttleTimeMs: 0 };
    if (r.api === 'InitProducerId') return { throttleTimeMs: 0, errorCode: code, producerId: -1n, producerEpoch: -1 };
    if (r.api === 'Metadata') {
      const res = this.metadata({ ...(r.body as MetadataRequestBody), allowAutoTopicCreation: false });
      for (const t of res.topics) {
        t.errorCode = code;
        t.partitions = [];
      }
      return res;
    }
    for (const b of r.batches) b.answer = code;
    const body = r.body as ProduceRequestBody;
    return {
      throttleTimeMs: 0,
      responses: body.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => partitionResponse(p.index, code, -1, message)),
      })),
    };
  }

  private metadata(req: MetadataRequestBody): MetadataResponse {
    const names = req.topics ?? [...this.cluster.topics.keys()];
    return {
      throttleTimeMs: 0,
      brokers: [...this.cluster.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port, rack: null })),
      clusterId: 'scripted',
      controllerId: this.nodeId,
      topics: names.map((name) => {
        if (!this.cluster.topics.has(name) && req.allowAutoTopicCreation && (this.options.autoCreateTopics ?? true))
          this.cluster.createTopic(name, 1, this.nodeId);
        const parts = this.cluster.topics.get(name);
        return {
          errorCode: parts ? 0 : UNKNOWN_TOPIC,
          name,
          topicId: Buffer.alloc(16),
          isInternal: false,
          topicAuthorizedOperations: -2147483648,
          partitions: (parts ?? []).map((p, i) => ({
            errorCode: 0,
            partitionIndex: i,
            leaderId: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicaNodes: [p.leader],
            isrNodes: [p.leader],
            offlineReplicas: [],
          })),
        };
      }),
    };
  }

  private initProducerId(req: InitProducerIdRequestBody): InitProducerIdResponse {
    let res: InitProducerIdResponse;
    if (req.producerId < 0n) {
      const id = this.cluster.nextProducerId++;
      this.cluster.producerEpochs.set(id, 0);
      res = { throttleTimeMs: 0, errorCode: 0, producerId: id, producerEpoch: 0 };
    } else if (this.cluster.producerEpochs.get(req.producerId) !== req.producerEpoch) {
      // KIP-360: only the current epoch may be bumped
      res = { throttleTimeMs: 0, errorCode: INVALID_PRODUCER_EPOCH, producerId: -1n, producerEpoch: -1 };
    } else {
      const epoch = req.producerEpoch + 1;
      this.cluster.producerEpochs.set(req.producerId, epoch);
      res = { throttleTimeMs: 0, errorCode: 0, producerId: req.producerId, producerEpoch: epoch };
    }
    this.initProducerIds.push({ request: req, response: res });
    return res;
  }

  private produce(req: KafkaRequest<'Produce'>, refused: Record<number, number>): ProduceResponse | undefined {
    const body = req.body;
    const responses = body.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => {
        const batches = req.batches.filter((b) => b.topic === t.name && b.partition === p.index);
        const code =
          refused[p.index] ??
          (this.cluster.leaderOf(t.name, p.index) === this.nodeId ? 0 : this.cluster.topics.has(t.name) ? NOT_LEADER : UNKNOWN_TOPIC);
        if (code !== 0 || batches.length === 0) {
          for (const b of batches) b.answer = code;
          return partitionResponse(p.index, code || INVALID_RECORD, -1, null);
        }
        // one batch per partition, as every producer sends
        const b = batches[0];
        const { code: answer, baseOffset } = this.append(b, p.records!);
        b.answer = answer;
        return partitionResponse(p.index, answer, baseOffset, null);
      }),
    }));
    return body.acks === 0 ? undefined : { throttleTimeMs: 0, responses };
  }

  // The broker's idempotence check (ProducerStateManager): a producer new to the partition starts
  // anywhere; a new epoch starts at 0; the same epoch continues at last + 1 or is a remembered duplicate.
  private append(b: ProducedBatch, bytes: Buffer): { code: number; baseOffset: number } {
    const key = `${b.topic}-${b.partition}`;
    const log = this.logs.get(key) ?? [];
    this.logs.set(key, log);
    const last = (b.baseSequence + b.recordCount - 1) % SEQUENCE_WRAP;
    const seqKey = `${b.producerId}/${key}`;
    if (b.producerId >= 0n) {
      const s = this.sequencing.get(seqKey);
      if (s && b.producerEpoch < s.epoch) return { code: INVALID_PRODUCER_EPOCH, baseOffset: -1 };
      if (s && b.producerEpoch === s.epoch) {
        const dup = s.recent.find((x) => x.first === b.baseSequence && x.last === last);
        if (dup) return { code: 0, baseOffset: dup.baseOffset };
        if (b.baseSequence !== (s.lastSequence + 1) % SEQUENCE_WRAP) return { code: OUT_OF_ORDER, baseOffset: -1 };
      } else if (s && b.baseSequence !== 0) return { code: OUT_OF_ORDER, baseOffset: -1 };
    }
    const baseOffset = log.length;
    const decoded = decodeRecordBatches(bytes, peerCodec)[0];
    decoded.records.forEach((rec, i) =>
      log.push({
        offset: baseOffset + i,
        key: rec.key === null ? null : rec.key.toString('utf8'),
        value: rec.value === null ? null : rec.value.toString('utf8'),
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        sequence: b.baseSequence < 0 ? -1 : (b.baseSequence + i) % SEQUENCE_WRAP,
      }),
    );
    b.stored = true;
    if (b.producerId >= 0n) {
      const prev = this.sequencing.get(seqKey);
      const recent = prev && prev.epoch === b.producerEpoch ? prev.recent : [];
      recent.push({ first: b.baseSequence, last, baseOffset });
      if (recent.length > REMEMBERED) recent.shift();
      this.sequencing.set(seqKey, { epoch: b.producerEpoch, lastSequence: last, recent });
    }
    return { code: 0, baseOffset };
  }
}

function partitionResponse(index: number, errorCode: number, baseOffset: number, errorMessage: string | null) {
  return {
    index,
    errorCode,
    baseOffset: BigInt(baseOffset),
    logAppendTimeMs: -1n,
    logStartOffset: 0n,
    recordErrors: [],
    errorMessage,
  };
}

// the peer stores what it decodes: uncompressed and lz4 batches (the codec with a reuse test on this peer)
const LZ4: KafkaCodec = { compress: (b) => lz4FrameCompress(b), decompress: (b) => lz4FrameDecompress(b) };
const peerCodec = (type: string): KafkaCodec => {
  if (type === 'lz4') return LZ4;
  throw new Error(`the scripted kafka broker reads uncompressed and lz4 batches only, not ${type}`);
};

import { EventEmitter } from 'events';
import * as net from 'net';
import { encodeBatch } from '../../protocol/pulsar/batch';
import { DEFAULT_MAX_MESSAGE_SIZE, FRAME_PADDING, FrameDecoder } from '../../protocol/pulsar/frame';
import {
  AckType,
  BaseCommand,
  CommandType,
  decodeMessageMetadata,
  encodeMessageMetadata,
  KeyValue,
  LookupType,
  MessageIdData,
  MessageMetadata,
  ServerError,
} from '../../protocol/pulsar/proto';
import { brokerFrames, commandFrame, subCommand } from './scripted-frames';
import { PeerConnection, ProducerRecord } from './scripted-connection';
import { Reply, ReplyHost } from './scripted-reply';
import { ConsumerRecord, ScriptedTopic } from './scripted-topics';

export { brokerFrames } from './scripted-frames';
export { PeerConnection, ProducerRecord } from './scripted-connection';
export { Reply } from './scripted-reply';
export { ConsumerRecord } from './scripted-topics';
export { ServerError } from '../../protocol/pulsar/proto';

/**
 * A scripted Pulsar broker on 127.0.0.1 for unit and regression tests of an exact moment.
 * It speaks the real frames (the project's own protocol/ code) and answers like a broker by
 * default: CONNECT, PING, PARTITIONED_METADATA, LOOKUP (to itself), PRODUCER, SEND (stored and
 * dispatched to subscribers), SUBSCRIBE, FLOW (permits), ACK, REDELIVER, CLOSE_*, schemas.
 * A hook per command type replaces the default answer:
 *
 *   const peer = await ScriptedBroker.start({ partitions: { t: 4 } });
 *   peer.on('PRODUCER', (cmd, reply) => reply.error(ServerError.ServiceNotReady, 'not yet'));
 *   peer.once('SEND', (cmd, reply) => reply.andDestroy().ok());
 *   peer.on('PRODUCER', (cmd, reply) => reply.andCloseProducer().ok()); // CLOSE_PRODUCER in the same write
 *   peer.on('SEND', () => undefined); // a hook that calls nothing on `reply` leaves the command unanswered
 *   peer.publish('t', { value: 'v' }); await peer.waitUntil(() => peer.acks.length > 0);
 *
 * Logs (`sends`, `acks`, `received`), counters (`count(type)`, `connections`) and `waitFor` /
 * `waitUntil` let a test assert what the client did; `closeAll()` and `stop()` end it.
 */

export type CommandName = keyof typeof CommandType;
export type Hook = (cmd: BaseCommand, reply: Reply, conn: PeerConnection) => void | Promise<void>;

export interface ScriptedBrokerOptions {
  /** partition count per topic (short name or full name); others are not partitioned */
  partitions?: Record<string, number>;
  /** max_message_size announced in CONNECTED (default 5 MiB) */
  maxMessageSize?: number;
  serverVersion?: string;
  /** announce supports_topic_watchers in CONNECTED and keep WATCH_TOPIC_LIST watches */
  topicWatchers?: boolean;
}

/** Every SEND the peer received, whatever it answered. */
export interface SendRecord {
  connection: number;
  producerId: number;
  /** the producer's topic; undefined when the id was not registered on that connection */
  topic?: string;
  sequenceId: number;
  numMessages?: number;
  highestSequenceId?: number;
  isChunk: boolean;
  /** decoded MessageMetadata; `{}` when it did not decode */
  metadata: MessageMetadata;
  payload: Buffer;
  checksumOk: boolean;
}

export interface AckRecord {
  connection: number;
  consumerId: number;
  topic?: string;
  ackType: AckType;
  messageIds: MessageIdData[];
  validationError?: number;
}

/** A message for `publish`: what a producer would have sent. */
export interface ScriptedMessage {
  value?: string | Uint8Array;
  key?: string;
  properties?: Record<string, string>;
  /** fields that override or add to the generated MessageMetadata */
  metadata?: Partial<MessageMetadata>;
  /** deliver it with a CRC-32C that does not match */
  corrupt?: boolean;
}

const TOPIC_PREFIX = 'persistent://public/default/';
const shortName = (topic: string) => (topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic);
const bytesOf = (v: string | Uint8Array | undefined) => (typeof v === 'string' ? Buffer.from(v) : (v ?? Buffer.alloc(0)));
const keyValues = (p?: Record<string, string>): KeyValue[] | undefined => p && Object.entries(p).map(([key, value]) => ({ key, value }));

interface HookEntry {
  fn: Hook;
  once: boolean;
}

export class ScriptedBroker implements ReplyHost {
  readonly maxMessageSize: number;
  /** every SEND received, in arrival order */
  readonly sends: SendRecord[] = [];
  /** every ACK received, in arrival order */
  readonly acks: AckRecord[] = [];
  /** every command received, in arrival order */
  readonly received: Array<{ connection: number; command: BaseCommand }> = [];
  /** things that went wrong inside the peer (undecodable client bytes, a hook that threw) */
  readonly errors: Error[] = [];
  readonly topics = new Map<string, ScriptedTopic>();
  /** connections accepted so far */
  connections = 0;
  /** what GET_TOPICS_OF_NAMESPACE and WATCH_TOPIC_LIST answer (full names, partitions as `-partition-N`); change it with `updateTopicList` */
  namespaceTopics: string[] = [];
  /** WATCH_TOPIC_LIST watches registered, by connection */
  readonly watchers: Array<{ conn: PeerConnection; watcherId: number }> = [];
  private readonly live = new Set<PeerConnection>();
  private readonly counts = new Map<CommandName, number>();
  private readonly hooks = new Map<CommandType, HookEntry[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private connectionHook?: (conn: PeerConnection) => void;
  private frozen = false;
  // fires after every command and every lost connection, for waitFor/waitUntil
  private readonly changed = new EventEmitter().setMaxListeners(0);
  private nextRequestId = 1;
  private nextProducerName = 1;
  private publishSequence = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly options: ScriptedBrokerOptions,
  ) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  static async start(options: ScriptedBrokerOptions = {}): Promise<ScriptedBroker> {
    const server = net.createServer();
    const peer = new ScriptedBroker(server, options);
    server.on('connection', (sock) => peer.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return peer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The service URL clients take: `pulsar://127.0.0.1:<port>`. */
  get url(): string {
    return `pulsar://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.live.size;
  }

  /** Live connections, oldest first. */
  get conns(): PeerConnection[] {
    return [...this.live];
  }

  /** Replaces the answer to every command of this type (until `off`). */
  on(type: CommandName, hook: Hook): this {
    return this.addHook(type, hook, false);
  }

  /** Answers the next command of this type with `hook`; one-shot hooks run before `on` hooks, in order. */
  once(type: CommandName, hook: Hook): this {
    return this.addHook(type, hook, true);
  }

  /** Back to the default answer for this command type. */
  off(type: CommandName): this {
    this.hooks.delete(CommandType[type]);
    return this;
  }

  /** Runs on every accepted socket before it reads anything (e.g. to write bytes first). */
  onConnection(hook: (conn: PeerConnection) => void): this {
    this.connectionHook = hook;
    return this;
  }

  /** How many commands of this type arrived. */
  count(type: CommandName): number {
    return this.counts.get(type) ?? 0;
  }

  /** Producers registered now, on live connections. */
  get producers(): ProducerRecord[] {
    return this.conns.flatMap((c) => [...c.producers.values()]);
  }

  /** Consumers subscribed now, on live connections. */
  get consumers(): ConsumerRecord[] {
    return this.conns.flatMap((c) => [...c.consumers.values()]);
  }

  /** Resolves with the n-th command of this type (counting from the start), or rejects after timeoutMs. */
  waitFor(type: CommandName, n = 1, timeoutMs = 10_000): Promise<BaseCommand> {
    const nth = () => this.received.filter((r) => r.command.type === CommandType[type])[n - 1]?.command;
    return this.until(nth, `command ${type} #${n}`, timeoutMs);
  }

  /** Resolves once `check` returns something truthy (checked after every command), or rejects after timeoutMs. */
  waitUntil<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return this.until(check, 'the condition', timeoutMs);
  }

  private until<T>(check: () => T | undefined | false, what: string, timeoutMs: number): Promise<T> {
    const now = check();
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.changed.off('change', test);
        this.changed.off('stop', stopped);
      };
      const test = () => {
        const v = check();
        if (!v) return;
        done();
        resolve(v);
      };
      const giveUp = (why: string) => {
        done();
        reject(new Error(`the scripted broker ${why} while waiting for ${what}`));
      };
      const stopped = () => giveUp('stopped');
      const timer = setTimeout(() => giveUp(`waited ${timeoutMs} ms`), timeoutMs);
      // state also changes without a command (a delayed answer, a closed socket)
      const poll = setInterval(test, 20);
      this.changed.on('change', test);
      this.changed.on('stop', stopped);
    });
  }

  /** Changes `namespaceTopics` and sends WATCH_TOPIC_UPDATE to every live watch. */
  updateTopicList(newTopics: string[], deletedTopics: string[] = []): void {
    this.namespaceTopics = [...this.namespaceTopics.filter((t) => !deletedTopics.includes(t)), ...newTopics];
    for (const w of this.watchers)
      if (!w.conn.closed)
        w.conn.write(
          commandFrame(CommandType.WATCH_TOPIC_UPDATE, {
            watcherId: w.watcherId,
            newTopics,
            deletedTopics,
            topicsHash: this.topicsHash(),
          }),
        );
  }

  /** @internal the hash of the namespace's list (any text that changes with it will do) */
  topicsHash(): string {
    return [...this.namespaceTopics].sort().join(',');
  }

  /** CLOSE_PRODUCER from the broker to the producers matching an id or topic (all when omitted). */
  closeProducer(which?: number | string, assignedBrokerServiceUrl?: string): number {
    const hit = this.producers.filter((p) => this.matches(p, which));
    for (const p of hit) p.conn.write(this.closeProducerFrame(p.conn, p.id, assignedBrokerServiceUrl));
    return hit.length;
  }

  /** @internal forgets the producer on `conn` and returns the CLOSE_PRODUCER telling it so. */
  closeProducerFrame(conn: PeerConnection, producerId: number, assignedBrokerServiceUrl?: string): Buffer {
    const p = conn.producers.get(producerId);
    if (p) p.closed = true;
    conn.producers.delete(producerId);
    return brokerFrames.closeProducer(producerId, this.nextRequestId++, assignedBrokerServiceUrl);
  }

  /** @internal detaches the consumer on `conn` (its unacknowledged entries go back) and returns the CLOSE_CONSUMER. */
  closeConsumerFrame(conn: PeerConnection, consumerId: number, assignedBrokerServiceUrl?: string): Buffer {
    const c = conn.consumers.get(consumerId);
    if (c) this.dropConsumer(conn, c);
    return brokerFrames.closeConsumer(consumerId, this.nextRequestId++, assignedBrokerServiceUrl);
  }

  /** CLOSE_CONSUMER from the broker to the consumers matching an id or topic (all when omitted). */
  closeConsumer(which?: number | string, assignedBrokerServiceUrl?: string): number {
    const hit = this.consumers.filter((c) => this.matches(c, which));
    for (const c of hit) c.conn.write(this.closeConsumerFrame(c.conn as PeerConnection, c.id, assignedBrokerServiceUrl));
    return hit.length;
  }

  private matches(r: { id: number; topic: string }, which?: number | string): boolean {
    return which === undefined || r.id === which || (typeof which === 'string' && r.topic === shortName(which));
  }

  /** Stores one message on a topic and dispatches it to its subscribers. */
  publish(topic: string, m: ScriptedMessage = {}): MessageIdData {
    const md = this.metadataOf(m, {});
    return this.store(topic, md, bytesOf(m.value), 1, m.corrupt);
  }

  /** Stores a batch entry holding `messages`. */
  publishBatch(topic: string, messages: ScriptedMessage[], metadata: Partial<MessageMetadata> = {}): MessageIdData {
    const base = this.publishSequence;
    const body = encodeBatch(
      messages.map((m, i) => {
        const payload = bytesOf(m.value);
        return {
          metadata: { payloadSize: payload.length, partitionKey: m.key, properties: keyValues(m.properties), sequenceId: base + i },
          payload,
        };
      }),
    );
    const md = this.metadataOf({ metadata }, { numMessagesInBatch: messages.length, highestSequenceId: base + messages.length - 1 });
    this.publishSequence += messages.length - 1;
    return this.store(topic, md, body, messages.length, false);
  }

  /**
   * Stores one message as `chunks` chunk entries (the value split evenly); returns the stored chunks' ids.
   * `omitChunks` leaves those chunk ids out, as if they were lost.
   */
  publishChunked(
    topic: string,
    value: string | Uint8Array,
    chunks: number,
    m: Omit<ScriptedMessage, 'value'> & { omitChunks?: number[] } = {},
  ): MessageIdData[] {
    const bytes = bytesOf(value);
    const size = Math.ceil(bytes.length / chunks);
    const uuid = `scripted-${this.publishSequence}`;
    const ids: MessageIdData[] = [];
    const md = this.metadataOf(m, { uuid, numChunksFromMsg: chunks, totalChunkMsgSize: bytes.length, uncompressedSize: bytes.length });
    for (let i = 0; i < chunks; i++) {
      if (m.omitChunks?.includes(i)) continue;
      md.chunkId = i;
      ids.push(this.store(topic, md, bytes.subarray(i * size, (i + 1) * size), 1, m.corrupt));
    }
    return ids;
  }

  private metadataOf(m: ScriptedMessage, extra: Partial<MessageMetadata>): MessageMetadata {
    return {
      producerName: 'scripted-broker',
      sequenceId: this.publishSequence++,
      publishTime: Date.now(),
      partitionKey: m.key,
      properties: keyValues(m.properties),
      ...extra,
      ...m.metadata,
    };
  }

  private store(topic: string, md: MessageMetadata | Uint8Array, payload: Uint8Array, messages: number, corrupt = false): MessageIdData {
    const metadata = md instanceof Uint8Array ? md : encodeMessageMetadata(md);
    const e = this.topic(topic).append(metadata, payload, messages, corrupt);
    return { ledgerId: e.ledgerId, entryId: e.entryId };
  }

  /** The topic's store, made on first use. */
  topic(name: string): ScriptedTopic {
    const key = shortName(name);
    let t = this.topics.get(key);
    if (!t) {
      t = new ScriptedTopic(key, this.topics.size + 1);
      this.topics.set(key, t);
    }
    return t;
  }

  /**
   * Stops like a SIGSTOPped broker: nothing is read or answered, while the kernel still accepts
   * connections and buffers what clients write. `thaw()` reads it all, in order.
   */
  freeze(): void {
    this.frozen = true;
    for (const c of this.live) c.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const c of this.live) c.resume();
  }

  /** Drops every connection (the server keeps listening: clients may reconnect). */
  closeAll(): void {
    for (const c of this.live) c.destroy();
  }

  /** Drops every connection and stops listening. */
  async stop(): Promise<void> {
    this.changed.emit('stop');
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.closeAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** @internal runs `fn` now, or after `ms` on a timer `stop()` cancels. */
  later(fn: () => void, ms: number): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private addHook(type: CommandName, fn: Hook, once: boolean): this {
    const t = CommandType[type];
    const list = (this.hooks.get(t) ?? []).filter((h) => h.once || once);
    if (once) {
      // one-shot hooks queue ahead of the standing hook
      const standing = list.findIndex((h) => !h.once);
      list.splice(standing < 0 ? list.length : standing, 0, { fn, once });
    } else list.push({ fn, once });
    this.hooks.set(t, list);
    return this;
  }

  private accept(sock: net.Socket): void {
    const conn = new PeerConnection(++this.connections, sock);
    this.live.add(conn);
    const decoder = new FrameDecoder(this.maxMessageSize + FRAME_PADDING);
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.on('close', () => this.lost(conn));
    if (this.frozen) conn.pause();
    sock.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        // a broker drops a connection that sends undecodable bytes
        this.errors.push(err as Error);
        conn.destroy();
        return;
      }
      for (const f of frames) this.handle(conn, f.command, f.payload);
    });
    this.connectionHook?.(conn);
  }

  private lost(conn: PeerConnection): void {
    conn.closed = true;
    this.live.delete(conn);
    for (let i = this.watchers.length - 1; i >= 0; i--) if (this.watchers[i].conn === conn) this.watchers.splice(i, 1);
    for (const c of conn.consumers.values()) this.dropConsumer(conn, c);
    for (const p of conn.producers.values()) p.closed = true;
    conn.producers.clear();
    this.changed.emit('change');
  }

  private handle(
    conn: PeerConnection,
    cmd: BaseCommand,
    payload?: { metadata: Uint8Array; payload: Uint8Array; checksumOk: boolean; hasChecksum: boolean },
  ): void {
    const name = CommandType[cmd.type] as CommandName;
    this.counts.set(name, this.count(name) + 1);
    this.received.push({ connection: conn.id, command: cmd });
    if (cmd.type === CommandType.SEND) this.logSend(conn, cmd, payload);
    if (cmd.type === CommandType.ACK) {
      const a = cmd.ack;
      this.acks.push({
        connection: conn.id,
        consumerId: a.consumerId,
        topic: conn.consumers.get(a.consumerId)?.topic,
        ackType: a.ackType,
        messageIds: a.messageId,
        validationError: Object.prototype.hasOwnProperty.call(a, 'validationError') ? a.validationError : undefined,
      });
    }
    const list = this.hooks.get(cmd.type);
    const entry = list?.[0];
    if (entry?.once) list!.shift();
    const reply = new Reply(this, conn, cmd);
    try {
      const r = entry ? entry.fn(cmd, reply, conn) : reply.ok();
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e) => this.errors.push(e));
    } catch (err) {
      this.errors.push(err as Error);
    }
    this.changed.emit('change');
  }

  private logSend(
    conn: PeerConnection,
    cmd: BaseCommand,
    section?: { metadata: Uint8Array; payload: Uint8Array; checksumOk: boolean; hasChecksum: boolean },
  ): void {
    const s = cmd.send;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(s, k);
    let metadata = {} as MessageMetadata;
    try {
      if (section) metadata = decodeMessageMetadata(section.metadata);
    } catch (err) {
      this.errors.push(err as Error);
    }
    const record: SendRecord & { rawMetadata?: Uint8Array } = {
      connection: conn.id,
      producerId: s.producerId,
      topic: conn.producers.get(s.producerId)?.topic,
      sequenceId: s.sequenceId,
      numMessages: has('numMessages') ? s.numMessages : undefined,
      highestSequenceId: has('highestSequenceId') ? s.highestSequenceId : undefined,
      isChunk: s.isChunk === true,
      metadata,
      payload: Buffer.from(section?.payload ?? []),
      checksumOk: !!section && section.hasChecksum && section.checksumOk,
    };
    this.sends.push(record);
    sendSections.set(cmd, { metadata: Buffer.from(section?.metadata ?? []), record });
  }

  /** @internal the default answer to a command, with its side effects. */
  answer(conn: PeerConnection, cmd: BaseCommand, fields: Record<string, unknown>): Uint8Array[] {
    const sub = subCommand(cmd);
    const requestId = sub.requestId;
    const frame = (type: CommandType, base: Record<string, unknown>) => [commandFrame(type, { ...base, ...fields })];
    switch (cmd.type) {
      case CommandType.CONNECT:
        return frame(CommandType.CONNECTED, {
          serverVersion: this.options.serverVersion ?? 'scripted-broker',
          protocolVersion: Math.min(sub.protocolVersion, 21),
          maxMessageSize: this.maxMessageSize,
          featureFlags: { supportsTopicWatchers: this.options.topicWatchers === true },
        });
      case CommandType.PING:
        return frame(CommandType.PONG, {});
      case CommandType.PARTITIONED_METADATA:
        return frame(CommandType.PARTITIONED_METADATA_RESPONSE, { requestId, partitions: this.partitionsOf(sub.topic), response: 0 });
      case CommandType.LOOKUP:
        return frame(CommandType.LOOKUP_RESPONSE, {
          requestId,
          response: LookupType.Connect,
          brokerServiceUrl: this.url,
          authoritative: true,
        });
      case CommandType.PRODUCER: {
        const existing = conn.producers.get(sub.producerId);
        const name = existing?.name ?? (sub.producerName || `scripted-broker-${this.nextProducerName++}`);
        conn.producers.set(sub.producerId, { id: sub.producerId, topic: shortName(sub.topic), name, conn, closed: false });
        return frame(CommandType.PRODUCER_SUCCESS, { requestId, producerName: name, lastSequenceId: -1 });
      }
      case CommandType.SEND:
        return this.answerSend(conn, cmd, fields);
      case CommandType.SUBSCRIBE:
        return this.answerSubscribe(conn, sub, fields);
      case CommandType.FLOW: {
        const c = conn.consumers.get(sub.consumerId);
        if (c) {
          c.permits += sub.messagePermits;
          this.topic(c.topic).subscriptions.get(c.subscription)?.dispatch();
        }
        return [];
      }
      case CommandType.ACK: {
        const c = conn.consumers.get(sub.consumerId);
        if (c)
          this.topic(c.topic)
            .subscriptions.get(c.subscription)
            ?.ack(sub.messageId, sub.ackType === AckType.Cumulative);
        return [];
      }
      case CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES: {
        const c = conn.consumers.get(sub.consumerId);
        if (!c) return [];
        if (Object.prototype.hasOwnProperty.call(sub, 'consumerEpoch')) c.epoch = sub.consumerEpoch;
        const s = this.topic(c.topic).subscriptions.get(c.subscription);
        s?.redeliver(c, sub.messageIds);
        s?.dispatch();
        return [];
      }
      case CommandType.CLOSE_PRODUCER: {
        const p = conn.producers.get(sub.producerId);
        if (p) p.closed = true;
        conn.producers.delete(sub.producerId);
        return frame(CommandType.SUCCESS, { requestId });
      }
      case CommandType.CLOSE_CONSUMER: {
        const c = conn.consumers.get(sub.consumerId);
        if (c) this.dropConsumer(conn, c);
        return frame(CommandType.SUCCESS, { requestId });
      }
      case CommandType.UNSUBSCRIBE: {
        const c = conn.consumers.get(sub.consumerId);
        if (c) {
          this.dropConsumer(conn, c);
          this.topic(c.topic).subscriptions.delete(c.subscription);
        }
        return frame(CommandType.SUCCESS, { requestId });
      }
      case CommandType.SEEK:
        return frame(CommandType.SUCCESS, { requestId });
      case CommandType.GET_TOPICS_OF_NAMESPACE: {
        // unfiltered, as a broker with pattern evaluation off answers: the client filters
        const unchanged = sub.topicsHash === this.topicsHash();
        return frame(CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE, {
          requestId,
          topics: unchanged ? [] : this.namespaceTopics,
          filtered: false,
          topicsHash: this.topicsHash(),
          changed: !unchanged,
        });
      }
      case CommandType.WATCH_TOPIC_LIST: {
        if (!this.options.topicWatchers)
          return [this.errorFrame(cmd, ServerError.NotAllowedError, 'Broker side pattern evaluation is disabled')];
        this.watchers.push({ conn, watcherId: sub.watcherId });
        const unchanged = sub.topicsHash === this.topicsHash();
        return frame(CommandType.WATCH_TOPIC_LIST_SUCCESS, {
          requestId,
          watcherId: sub.watcherId,
          topic: unchanged ? [] : this.namespaceTopics,
          topicsHash: this.topicsHash(),
        });
      }
      case CommandType.WATCH_TOPIC_LIST_CLOSE: {
        const i = this.watchers.findIndex((w) => w.conn === conn && w.watcherId === sub.watcherId);
        if (i >= 0) this.watchers.splice(i, 1);
        return frame(CommandType.SUCCESS, { requestId });
      }
      case CommandType.GET_OR_CREATE_SCHEMA:
        return frame(CommandType.GET_OR_CREATE_SCHEMA_RESPONSE, { requestId, schemaVersion: Buffer.alloc(8) });
      case CommandType.GET_LAST_MESSAGE_ID: {
        const c = conn.consumers.get(sub.consumerId);
        const last = c ? this.topic(c.topic).entries.at(-1) : undefined;
        return frame(CommandType.GET_LAST_MESSAGE_ID_RESPONSE, {
          requestId,
          lastMessageId: { ledgerId: last?.ledgerId ?? -1, entryId: last?.entryId ?? -1 },
        });
      }
      default:
        // PONG, AUTH_RESPONSE and anything unknown need no answer
        return [];
    }
  }

  private answerSend(conn: PeerConnection, cmd: BaseCommand, fields: Record<string, unknown>): Uint8Array[] {
    const s = cmd.send;
    const p = conn.producers.get(s.producerId);
    // a broker ignores a SEND for a producer id it does not know on this connection
    if (!p) return [];
    const saved = sendSections.get(cmd)!;
    if (!saved.record.checksumOk) return [this.errorFrame(cmd, ServerError.ChecksumError, 'checksum mismatch')];
    const messages = saved.record.numMessages ?? 1;
    const id = this.store(p.topic, saved.metadata, saved.record.payload, messages);
    return [
      commandFrame(CommandType.SEND_RECEIPT, {
        producerId: s.producerId,
        sequenceId: s.sequenceId,
        highestSequenceId: saved.record.highestSequenceId ?? s.sequenceId,
        messageId: id,
        ...fields,
      }),
    ];
  }

  private answerSubscribe(conn: PeerConnection, s: Record<string, any>, fields: Record<string, unknown>): Uint8Array[] {
    const topic = shortName(s.topic);
    const sub = this.topic(topic).subscription(s.subscription, s.initialPosition === 1);
    const reply = [commandFrame(CommandType.SUCCESS, { requestId: s.requestId, ...fields })];
    // a consumer id already subscribed on this connection is answered again, as a broker does
    if (conn.consumers.has(s.consumerId)) return reply;
    const alive = sub.consumers.filter((c) => !c.closed && !c.conn.closed);
    if (s.subType === 0 && alive.length > 0) {
      return [
        commandFrame(CommandType.ERROR, {
          requestId: s.requestId,
          error: ServerError.ConsumerBusy,
          message: 'Exclusive consumer is already connected',
        }),
      ];
    }
    const c: ConsumerRecord = {
      id: s.consumerId,
      topic,
      subscription: s.subscription,
      subType: s.subType,
      conn,
      permits: 0,
      closed: false,
    };
    if (Object.prototype.hasOwnProperty.call(s, 'consumerEpoch')) c.epoch = s.consumerEpoch;
    conn.consumers.set(c.id, c);
    sub.consumers.push(c);
    return reply;
  }

  private dropConsumer(conn: PeerConnection, c: ConsumerRecord): void {
    conn.consumers.delete(c.id);
    const sub = this.topic(c.topic).subscriptions.get(c.subscription);
    if (!sub) return;
    sub.detach(c);
    sub.dispatch();
  }

  /** @internal the error form a broker uses for this command. */
  errorFrame(cmd: BaseCommand, error: ServerError, message: string): Buffer {
    const sub = subCommand(cmd);
    switch (cmd.type) {
      case CommandType.SEND:
        // a broker reports a batch's failure under its highest sequence id
        return brokerFrames.sendError(sub.producerId, Math.max(sub.sequenceId, sub.highestSequenceId ?? 0), error, message);
      case CommandType.LOOKUP:
        return commandFrame(CommandType.LOOKUP_RESPONSE, { requestId: sub.requestId, response: LookupType.Failed, error, message });
      case CommandType.PARTITIONED_METADATA:
        return commandFrame(CommandType.PARTITIONED_METADATA_RESPONSE, { requestId: sub.requestId, response: 1, error, message });
      default:
        return brokerFrames.error(sub.requestId ?? 0, error, message);
    }
  }

  private partitionsOf(topic: string): number {
    const p = this.options.partitions ?? {};
    return p[topic] ?? p[shortName(topic)] ?? 0;
  }
}

// The metadata bytes of each SEND, kept beside its record so the default answer stores them unchanged.
const sendSections = new WeakMap<BaseCommand, { metadata: Buffer; record: SendRecord }>();

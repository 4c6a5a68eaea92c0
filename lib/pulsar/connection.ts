import { EventEmitter } from 'events';
import * as net from 'net';
import * as tls from 'tls';
import { authResponseFrame, connectFrame, PING_FRAME, PONG_FRAME } from '../../protocol/pulsar/commands';
import { DEFAULT_MAX_MESSAGE_SIZE, Frame, FRAME_PADDING, FrameDecoder, PayloadSection } from '../../protocol/pulsar/frame';
import { BaseCommand, CommandType, ResponseField } from '../../protocol/pulsar/proto';
import type { AuthProvider } from '../auth/provider';
import { connectionChannel, publish } from '../core/diagnostics';
import { AuthenticationError, ClosedError, ConnectionError, CortadoError, ProtocolError, TimeoutError } from '../core/errors';
import { Log, SILENT_LOG } from '../core/logger';
import { errorFromServer } from './server-errors';
import { addressKey, BrokerAddress } from './service-url';

export interface ConnectionOptions {
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  keepAliveIntervalMs: number;
  clientVersion: string;
  tls?: tls.ConnectionOptions;
  auth?: AuthProvider;
  /** where connection events and listener bugs are logged */
  log?: Log;
}

/** What a producer registered on a connection hears about. */
export interface ProducerListener {
  onSendReceipt(cmd: BaseCommand): void;
  onSendError(cmd: BaseCommand): void;
  onCloseProducer(cmd: BaseCommand): void;
  onTopicMigrated?(cmd: BaseCommand): void;
  onConnectionClosed(err: CortadoError): void;
}

/** What a consumer registered on a connection hears about. */
export interface ConsumerListener {
  onMessage(cmd: BaseCommand, payload: PayloadSection): void;
  onCloseConsumer(cmd: BaseCommand): void;
  onReachedEndOfTopic(): void;
  onActiveConsumerChange?(isActive: boolean): void;
  onTopicMigrated?(cmd: BaseCommand): void;
  onConnectionClosed(err: CortadoError): void;
}

/** What a topic-list watcher registered on a connection hears about. */
export interface TopicListListener {
  onTopicListUpdate(cmd: BaseCommand): void;
  onConnectionClosed(err: CortadoError): void;
}

interface PendingRequest {
  resolve(cmd: BaseCommand): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
  context: string;
  /** called for a PRODUCER_SUCCESS that says "not ready yet" (WaitForExclusive) */
  onWaiting?(cmd: BaseCommand): void;
}

// The responses that carry a request_id, and the field holding it.
const RESPONSE_FIELD: Partial<Record<CommandType, ResponseField>> = {
  [CommandType.SUCCESS]: 'success',
  [CommandType.ERROR]: 'error',
  [CommandType.PRODUCER_SUCCESS]: 'producerSuccess',
  [CommandType.PARTITIONED_METADATA_RESPONSE]: 'partitionMetadataResponse',
  [CommandType.LOOKUP_RESPONSE]: 'lookupTopicResponse',
  [CommandType.GET_LAST_MESSAGE_ID_RESPONSE]: 'getLastMessageIdResponse',
  [CommandType.GET_SCHEMA_RESPONSE]: 'getSchemaResponse',
  [CommandType.GET_OR_CREATE_SCHEMA_RESPONSE]: 'getOrCreateSchemaResponse',
  [CommandType.ACK_RESPONSE]: 'ackResponse',
  [CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE]: 'getTopicsOfNamespaceResponse',
  [CommandType.WATCH_TOPIC_LIST_SUCCESS]: 'watchTopicListSuccess',
};

let nextRequestId = 1;
let nextResourceId = 1;

/** One TCP (or TLS) socket to one broker, shared by every producer and consumer on that broker. */
export class Connection extends EventEmitter {
  readonly key: string;
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  serverVersion = '';
  protocolVersion = 0;
  /** the broker evaluates topic patterns and keeps topic-list watches (CONNECTED feature flag) */
  supportsTopicWatchers = false;
  private socket!: net.Socket;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly producers = new Map<number, ProducerListener>();
  private readonly consumers = new Map<number, ConsumerListener>();
  private readonly watchers = new Map<number, TopicListListener>();
  private keepAlive?: NodeJS.Timeout;
  /** a keep-alive PING went out and nothing has arrived since */
  private unanswered = false;
  private corked = false;
  private closedWith?: CortadoError;
  private opened = false;

  private constructor(
    readonly address: BrokerAddress,
    private readonly options: ConnectionOptions,
    readonly proxyToBrokerUrl?: string,
  ) {
    super();
    this.key = addressKey(address) + (proxyToBrokerUrl ? `->${proxyToBrokerUrl}` : '');
    this.on('auth-challenge', () => void this.answerAuthChallenge());
  }

  /** Opens the socket and completes CONNECT/CONNECTED within connectTimeoutMs. */
  static connect(address: BrokerAddress, options: ConnectionOptions, proxyToBrokerUrl?: string): Promise<Connection> {
    const conn = new Connection(address, options, proxyToBrokerUrl);
    return conn.open().then(() => conn);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Why it closed; undefined while open. */
  get closedError(): CortadoError | undefined {
    return this.closedWith;
  }

  static newRequestId(): number {
    return nextRequestId++;
  }

  static newResourceId(): number {
    return nextResourceId++;
  }

  private open(): Promise<void> {
    const { host, port } = this.address;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: CortadoError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.destroy(err);
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new TimeoutError(`connecting to ${this.key} timed out after ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
      );
      const sock = this.address.tls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.options.tls })
        : net.connect({ host, port });
      this.socket = sock;
      sock.setNoDelay(true);
      sock.on(this.address.tls ? 'secureConnect' : 'connect', () => void this.sendConnect());
      sock.on('data', (chunk: Buffer) => this.onData(chunk));
      sock.on('error', (err) => {
        const e = new ConnectionError(`connection to ${this.key} failed: ${err.message}`, { cause: err });
        if (!settled) fail(e);
        else this.destroy(e);
      });
      sock.on('close', () => {
        if (!settled) fail(new ConnectionError(`connection to ${this.key} closed during the handshake`));
        else this.destroy(new ConnectionError(`connection to ${this.key} closed`));
      });
      this.once('connected', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.startKeepAlive();
        this.observe('open');
        resolve();
      });
      this.once('handshake-error', (err: CortadoError) => fail(err));
      // a bad frame destroys the connection with its cause before the socket reports the close
      this.once('close', (err: CortadoError) => fail(err));
    });
  }

  private onData(chunk: Buffer): void {
    this.unanswered = false;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.destroy(new ProtocolError(`bad frame from ${this.key}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    for (const f of frames) {
      try {
        this.dispatch(f);
      } catch (err) {
        // a listener's bug must not take the whole connection down, nor vanish unseen
        this.log.error('a listener threw while handling a frame', { broker: this.key, command: CommandType[f.command.type], error: err });
        this.emit('listener-error', err);
      }
    }
  }

  private dispatch(frame: Frame): void {
    const cmd = frame.command;
    switch (cmd.type) {
      case CommandType.SEND_RECEIPT:
        this.producers.get(cmd.sendReceipt.producerId)?.onSendReceipt(cmd);
        return;
      case CommandType.SEND_ERROR:
        this.producers.get(cmd.sendError.producerId)?.onSendError(cmd);
        return;
      case CommandType.MESSAGE:
        if (frame.payload) this.consumers.get(cmd.message.consumerId)?.onMessage(cmd, frame.payload);
        return;
      case CommandType.PING:
        this.write(PONG_FRAME);
        return;
      case CommandType.PONG:
        return;
      case CommandType.CONNECTED:
        this.serverVersion = cmd.connected.serverVersion;
        this.protocolVersion = cmd.connected.protocolVersion;
        if (cmd.connected.maxMessageSize > 0) this.maxMessageSize = cmd.connected.maxMessageSize;
        this.supportsTopicWatchers = cmd.connected.featureFlags?.supportsTopicWatchers === true;
        this.decoder.maxFrameSize = this.maxMessageSize + FRAME_PADDING;
        this.emit('connected');
        return;
      case CommandType.CLOSE_PRODUCER: {
        const p = this.producers.get(cmd.closeProducer.producerId);
        this.producers.delete(cmd.closeProducer.producerId);
        p?.onCloseProducer(cmd);
        return;
      }
      case CommandType.CLOSE_CONSUMER: {
        const c = this.consumers.get(cmd.closeConsumer.consumerId);
        this.consumers.delete(cmd.closeConsumer.consumerId);
        c?.onCloseConsumer(cmd);
        return;
      }
      case CommandType.REACHED_END_OF_TOPIC:
        this.consumers.get(cmd.reachedEndOfTopic.consumerId)?.onReachedEndOfTopic();
        return;
      case CommandType.ACTIVE_CONSUMER_CHANGE:
        this.consumers.get(cmd.activeConsumerChange.consumerId)?.onActiveConsumerChange?.(cmd.activeConsumerChange.isActive);
        return;
      case CommandType.TOPIC_MIGRATED: {
        const m = cmd.topicMigrated;
        if (m.resourceType === 0) this.producers.get(m.resourceId)?.onTopicMigrated?.(cmd);
        else this.consumers.get(m.resourceId)?.onTopicMigrated?.(cmd);
        return;
      }
      case CommandType.WATCH_TOPIC_UPDATE:
        this.watchers.get(cmd.watchTopicUpdate.watcherId)?.onTopicListUpdate(cmd);
        return;
      case CommandType.AUTH_CHALLENGE:
        this.emit('auth-challenge', cmd);
        return;
      case CommandType.ERROR:
        if (!this.pending.has(cmd.error.requestId) && this.listenerCount('connected') > 0) {
          this.emit('handshake-error', errorFromServer(cmd.error.error, cmd.error.message, `CONNECT to ${this.key}`));
          return;
        }
        break;
    }
    const field = RESPONSE_FIELD[cmd.type as CommandType];
    if (field) this.settle(cmd, cmd[field].requestId);
  }

  private settle(cmd: BaseCommand, requestId: number): void {
    const p = this.pending.get(requestId);
    if (!p) return;
    if (cmd.type === CommandType.PRODUCER_SUCCESS && cmd.producerSuccess.producerReady === false) {
      // WaitForExclusive: the broker queued us; the real answer comes later with no deadline
      if (p.timer) clearTimeout(p.timer);
      p.timer = undefined;
      p.onWaiting?.(cmd);
      return;
    }
    this.pending.delete(requestId);
    if (p.timer) clearTimeout(p.timer);
    if (cmd.type === CommandType.ERROR) p.reject(errorFromServer(cmd.error.error, cmd.error.message, p.context));
    else p.resolve(cmd);
  }

  /** CONNECT with fresh credentials; credentials that cannot be had fail the handshake, typed. */
  private async sendConnect(): Promise<void> {
    const auth = this.options.auth;
    try {
      const authData = auth ? await auth.data() : undefined;
      if (this.closedWith) return;
      this.socket.write(
        connectFrame({
          clientVersion: this.options.clientVersion,
          authMethodName: auth?.methodName,
          authData,
          proxyToBrokerUrl: this.proxyToBrokerUrl,
        }),
      );
    } catch (err) {
      this.emit('handshake-error', asAuthError(err, `credentials for ${this.key}`));
    }
  }

  /**
   * The broker re-checks credentials (authenticationRefreshCheckSeconds) with AUTH_CHALLENGE; the
   * answer is AUTH_RESPONSE with credentials asked afresh (a rotated token file, a renewed OAuth2 token).
   */
  private async answerAuthChallenge(): Promise<void> {
    const auth = this.options.auth;
    if (!auth) {
      this.destroy(
        new AuthenticationError(
          `${this.key} asked for credentials (AUTH_CHALLENGE) but none are configured; set authToken, authTokenFile, OAuth2 or a TLS client certificate`,
        ),
      );
      return;
    }
    try {
      const data = await auth.data();
      this.write(authResponseFrame(this.options.clientVersion, auth.methodName, data));
    } catch (err) {
      this.destroy(asAuthError(err, `refreshing credentials for ${this.key}`));
    }
  }

  /**
   * Sends a request built with a fresh request id and resolves with its response command.
   * ERROR responses reject with the matching typed error; no answer in time rejects with TimeoutError.
   */
  request(
    build: (requestId: number) => Buffer,
    context: string,
    opts: { timeoutMs?: number; onWaiting?: (cmd: BaseCommand) => void } = {},
  ): Promise<BaseCommand> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const requestId = Connection.newRequestId();
    const timeoutMs = opts.timeoutMs ?? this.options.operationTimeoutMs;
    return new Promise<BaseCommand>((resolve, reject) => {
      const entry: PendingRequest = { resolve, reject, context, onWaiting: opts.onWaiting };
      entry.timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new TimeoutError(`${context}: no answer from ${this.key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, entry);
      this.write(build(requestId));
    });
  }

  /**
   * Writes a frame; a payload frame's parts go out together in one writev. Returns false once the
   * socket's buffer is full: a sender should hold further frames until whenDrained() calls back.
   */
  write(frame: Buffer | [Buffer, Uint8Array]): boolean {
    if (this.closedWith) return false;
    if (!this.corked) {
      // gather every frame written in this tick into one syscall
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (Buffer.isBuffer(frame)) return this.socket.write(frame);
    const room = this.socket.write(frame[0]);
    return frame[1].length > 0 ? this.socket.write(frame[1]) : room;
  }

  /** Calls back once the socket's buffer has room again (at once when it has now). */
  whenDrained(callback: () => void): void {
    if (this.closedWith) return;
    if (!this.socket.writableNeedDrain) callback();
    else this.socket.once('drain', callback);
  }

  addProducer(id: number, listener: ProducerListener): void {
    this.producers.set(id, listener);
  }

  removeProducer(id: number): void {
    this.producers.delete(id);
  }

  addConsumer(id: number, listener: ConsumerListener): void {
    this.consumers.set(id, listener);
  }

  removeConsumer(id: number): void {
    this.consumers.delete(id);
  }

  addWatcher(id: number, listener: TopicListListener): void {
    this.watchers.set(id, listener);
  }

  removeWatcher(id: number): void {
    this.watchers.delete(id);
  }

  /** Each tick PINGs; one that finds nothing received since the last PING closes (Java/C++ clients: a silent broker goes within two intervals). */
  private startKeepAlive(): void {
    const every = this.options.keepAliveIntervalMs;
    this.keepAlive = setInterval(() => {
      if (this.unanswered) {
        this.destroy(
          new ConnectionError(`connection to ${this.key} did not answer a PING within ${every} ms (keepAliveIntervalMs); closing it`),
        );
        return;
      }
      this.unanswered = true;
      this.write(PING_FRAME);
    }, every);
    // the keep-alive alone must not keep the process running
    this.keepAlive.unref();
  }

  private get log(): Log {
    return this.options.log ?? SILENT_LOG;
  }

  // One line and one diagnostics message per opened or closed connection.
  private observe(event: 'open' | 'close', error?: CortadoError): void {
    this.opened = true;
    if (event === 'open')
      this.log.debug('connected to broker', { broker: this.key, serverVersion: this.serverVersion, protocolVersion: this.protocolVersion });
    else if (error instanceof ClosedError) this.log.debug('connection closed', { broker: this.key });
    else this.log.warn('connection lost', { broker: this.key, error });
    publish(connectionChannel, () =>
      event === 'open'
        ? {
            event,
            broker: this.key,
            serverVersion: this.serverVersion,
            protocolVersion: this.protocolVersion,
            maxMessageSize: this.maxMessageSize,
          }
        : { event, broker: this.key, error },
    );
  }

  /** Closes the socket at once; pending requests fail and listeners hear why. */
  destroy(err: CortadoError = new ClosedError(`connection to ${this.key} closed by the client`)): void {
    if (this.closedWith) return;
    this.closedWith = err;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.socket?.destroy();
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    const producers = [...this.producers.values()];
    const consumers = [...this.consumers.values()];
    const watchers = [...this.watchers.values()];
    this.producers.clear();
    this.consumers.clear();
    this.watchers.clear();
    for (const p of producers) p.onConnectionClosed(err);
    for (const c of consumers) c.onConnectionClosed(err);
    for (const w of watchers) w.onConnectionClosed(err);
    if (this.opened) this.observe('close', err);
    this.emit('close', err);
  }
}

function asAuthError(err: unknown, context: string): CortadoError {
  if (err instanceof CortadoError) return err;
  return new AuthenticationError(`${context} failed: ${(err as Error).message}`, true, { cause: err });
}

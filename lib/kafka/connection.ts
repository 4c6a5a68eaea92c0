import * as net from 'net';
import * as tls from 'tls';
import {
  ApiKey,
  decodeApiVersionsResponse,
  decodeApiVersionsResponseV0,
  encodeApiVersionsRequest,
  encodeApiVersionsRequestV0,
  encodeRequestParts,
  Reader,
  readResponseHeader,
  ResponseFramer,
  Writer,
} from '../../protocol/kafka';
import * as ApiVersions from '../../protocol/kafka/api-versions';
import { connectionChannel, publish } from '../core/diagnostics';
import { AuthenticationError, ClosedError, ConnectionError, CortadoError, ProtocolError, TimeoutError, TlsError } from '../core/errors';
import { Log, SILENT_LOG } from '../core/logger';
import { kafkaAddressKey, KafkaAddress } from './broker-url';
import { KafkaVersionError } from './errors';

export interface KafkaConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  /** a request without its response by then fails, and the connection with it (responses come in order) */
  requestTimeoutMs: number;
  tls?: tls.ConnectionOptions;
  /** runs after ApiVersions and before any other request (SASL); resolves with the session lifetime in ms (0: none) */
  authenticate?: (conn: KafkaConnection) => Promise<number | void>;
  log?: Log;
}

/** One API as this client calls it: the pinned version and how its bodies are written and read. */
export interface KafkaApi<Req, Res> {
  apiKey: number;
  version: number;
  flexible: boolean;
  encode(w: Writer, req: Req): void;
  decode(r: Reader): Res;
}

interface Pending {
  correlationId: number;
  flexible: boolean;
  decode(r: Reader): unknown;
  resolve(v: unknown): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
  what: string;
}

/**
 * One TCP (or TLS) connection to a Kafka broker: size-prefixed requests with correlation ids,
 * responses matched in order, ApiVersions checked before anything else.
 */
export class KafkaConnection {
  private socket?: net.Socket;
  private readonly framer = new ResponseFramer();
  private readonly pending = new Map<number, Pending>();
  private nextCorrelation = 1;
  private closedWith?: CortadoError;
  private readonly closeListeners: Array<(err: CortadoError) => void> = [];
  /** the broker's [min, max] version of each API it offers */
  readonly versions = new Map<number, [number, number]>();
  readonly key: string;
  /** frames of other requests, held back while a re-authentication runs (KIP-368 forbids them meanwhile) */
  private held?: Buffer[][];
  private reauthTimer?: NodeJS.Timeout;
  /** how many times this connection re-authenticated before its SASL session expired */
  reauthentications = 0;

  private constructor(
    readonly address: KafkaAddress,
    private readonly options: KafkaConnectionOptions,
  ) {
    this.key = kafkaAddressKey(address);
  }

  static async connect(
    address: KafkaAddress,
    options: KafkaConnectionOptions,
    required: ReadonlyArray<KafkaApi<unknown, unknown>> = [],
  ): Promise<KafkaConnection> {
    const conn = new KafkaConnection(address, options);
    await conn.open();
    try {
      await conn.negotiate(required);
      if (options.authenticate) conn.scheduleReauthentication(await options.authenticate(conn));
    } catch (err) {
      conn.close(err instanceof CortadoError ? err : new ConnectionError(String(err)));
      throw err;
    }
    publish(connectionChannel, () => ({ event: 'open' as const, broker: `kafka://${conn.key}` }));
    return conn;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  get closedError(): CortadoError | undefined {
    return this.closedWith;
  }

  onClose(fn: (err: CortadoError) => void): void {
    if (this.closedWith) fn(this.closedWith);
    else this.closeListeners.push(fn);
  }

  // KIP-368: a SASL session with a lifetime is renewed on the same connection at a random point
  // between 85% and 95% of it, as the Java client does, so no request ever meets an expired session
  private scheduleReauthentication(lifetimeMs: number | void): void {
    if (!lifetimeMs || lifetimeMs <= 0 || this.closedWith) return;
    const delay = lifetimeMs * (0.85 + Math.random() * 0.1);
    this.reauthTimer = setTimeout(() => void this.reauthenticate(), delay);
    this.reauthTimer.unref();
  }

  private async reauthenticate(): Promise<void> {
    this.reauthTimer = undefined;
    if (this.closedWith || !this.options.authenticate) return;
    this.held = [];
    let lifetime: number | void;
    try {
      lifetime = await this.options.authenticate(this);
    } catch (err) {
      this.held = undefined;
      this.close(
        err instanceof CortadoError ? err : new AuthenticationError(`re-authenticating to kafka://${this.key} failed: ${String(err)}`),
      );
      return;
    }
    this.reauthentications++;
    const held = this.held;
    this.held = undefined;
    if (this.closedWith) return;
    for (const frame of held) this.writeFrame(frame);
    this.options.log?.debug(`kafka://${this.key}: re-authenticated (session lifetime ${lifetime ?? 0} ms)`);
    this.scheduleReauthentication(lifetime);
  }

  /** Writes a request's frame, or holds it back while a re-authentication runs (its own SASL requests pass). */
  private write(apiKey: number, frame: Buffer[]): void {
    if (this.held && apiKey !== ApiKey.SaslHandshake && apiKey !== ApiKey.SaslAuthenticate) this.held.push(frame);
    else this.writeFrame(frame);
  }

  // a frame's pieces (a Produce's batches are not copied into it) go out in one writev
  private writeFrame(frame: Buffer[]): void {
    const socket = this.socket!;
    if (frame.length === 1) {
      socket.write(frame[0]);
      return;
    }
    socket.cork();
    for (const piece of frame) socket.write(piece);
    socket.uncork();
  }

  private open(): Promise<void> {
    const { host, port } = this.address;
    const log = this.options.log ?? SILENT_LOG;
    return new Promise<void>((resolve, reject) => {
      const socket = this.address.tls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.options.tls })
        : net.connect({ host, port });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        const err = new TimeoutError(
          `connecting to kafka://${this.key} took longer than ${this.options.connectTimeoutMs} ms (connectionTimeoutMs)`,
        );
        reject(err);
        this.close(err);
      }, this.options.connectTimeoutMs);
      socket.once(this.address.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const err =
          (this.address.tls ? tlsFailure(this.key, e, this.options.tls) : undefined) ??
          new ConnectionError(`kafka://${this.key}: ${e.message}`, { cause: e });
        log.debug(`connection to kafka://${this.key} failed: ${e.message}`);
        reject(err);
        this.close(err);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        const err = new ConnectionError(`the connection to kafka://${this.key} closed`);
        reject(err);
        this.close(err);
      });
    });
  }

  // ApiVersions v3 first; a broker that does not know v3 answers in v0 with UNSUPPORTED_VERSION (35)
  private async negotiate(required: ReadonlyArray<KafkaApi<unknown, unknown>>): Promise<void> {
    let res = await this.send({
      apiKey: ApiKey.ApiVersions,
      version: ApiVersions.VERSION,
      flexible: ApiVersions.FLEXIBLE,
      encode: (w: Writer) => encodeApiVersionsRequest(w, { clientSoftwareName: 'cortado', clientSoftwareVersion: '0.1.0' }),
      decode: decodeApiVersionsResponse,
      // the response header of ApiVersions is always v0, whatever the request's
      headerFlexible: false,
    });
    if (res.errorCode === 35) {
      res = await this.send({
        apiKey: ApiKey.ApiVersions,
        version: 0,
        flexible: false,
        encode: (w: Writer) => encodeApiVersionsRequestV0(w),
        decode: decodeApiVersionsResponseV0,
        headerFlexible: false,
      });
    }
    if (res.errorCode !== 0) throw new ProtocolError(`kafka://${this.key} refused ApiVersions with error code ${res.errorCode}`);
    for (const a of res.apiKeys) this.versions.set(a.apiKey, [a.minVersion, a.maxVersion]);
    const missing = required.filter((api) => !this.offers(api));
    if (missing.length > 0)
      throw new KafkaVersionError(
        this.key,
        missing.map((api) => [api.apiKey, api.version, this.versions.get(api.apiKey)]),
      );
  }

  /** Whether the broker offers `api` at the version this client pins (known once ApiVersions answered). */
  offers(api: { apiKey: number; version: number }): boolean {
    const r = this.versions.get(api.apiKey);
    return r !== undefined && api.version >= r[0] && api.version <= r[1];
  }

  /** Sends one request and resolves with its decoded response. */
  request<Req, Res>(api: KafkaApi<Req, Res>, req: Req, timeoutMs = this.options.requestTimeoutMs): Promise<Res> {
    return this.send({
      apiKey: api.apiKey,
      version: api.version,
      flexible: api.flexible,
      encode: (w) => api.encode(w, req),
      decode: (r) => api.decode(r),
      headerFlexible: api.flexible,
      timeoutMs,
    });
  }

  /** Sends a request the broker answers with nothing (Produce with acks=0). */
  send0<Req>(api: KafkaApi<Req, unknown>, req: Req): Promise<undefined> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelation++ & 0x7fffffff;
    this.write(
      api.apiKey,
      encodeRequestParts(
        { apiKey: api.apiKey, apiVersion: api.version, correlationId, clientId: this.options.clientId, flexible: api.flexible },
        (w) => api.encode(w, req),
      ),
    );
    return Promise.resolve(undefined);
  }

  private send<Res>(o: {
    apiKey: number;
    version: number;
    flexible: boolean;
    encode(w: Writer): void;
    decode(r: Reader): Res;
    headerFlexible: boolean;
    timeoutMs?: number;
  }): Promise<Res> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelation++ & 0x7fffffff;
    const frame = encodeRequestParts(
      { apiKey: o.apiKey, apiVersion: o.version, correlationId, clientId: this.options.clientId, flexible: o.flexible },
      o.encode,
    );
    return new Promise<Res>((resolve, reject) => {
      const p: Pending = {
        correlationId,
        flexible: o.headerFlexible,
        decode: o.decode,
        resolve: resolve as (v: unknown) => void,
        reject,
        what: `api ${o.apiKey} v${o.version}`,
      };
      const timeoutMs = o.timeoutMs ?? this.options.requestTimeoutMs;
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          // responses come in order: a lost one leaves the connection unusable
          this.close(new TimeoutError(`kafka://${this.key} did not answer ${p.what} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(correlationId, p);
      this.write(o.apiKey, frame);
    });
  }

  private onData(chunk: Buffer): void {
    let payloads: Buffer[];
    try {
      payloads = this.framer.push(chunk);
    } catch (err) {
      this.close(new ProtocolError(`kafka://${this.key} sent a bad frame: ${(err as Error).message}`, { cause: err }));
      return;
    }
    for (const payload of payloads) {
      const r = new Reader(payload);
      const id = r.int32();
      const p = this.pending.get(id);
      if (!p) {
        this.close(new ProtocolError(`kafka://${this.key} answered correlation id ${id}, which no request has`));
        return;
      }
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      try {
        // the header's correlation id was read above; a flexible header adds tagged fields
        if (p.flexible) {
          r.offset = 0;
          readResponseHeader(r, true);
        }
        p.resolve(p.decode(r));
      } catch (err) {
        p.reject(new ProtocolError(`kafka://${this.key}: undecodable response to ${p.what}: ${(err as Error).message}`, { cause: err }));
      }
    }
  }

  /** Fails every pending request with `err` and closes the socket. */
  close(err: CortadoError = new ClosedError('the client is closed')): void {
    if (this.closedWith) return;
    this.closedWith = err;
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.held = undefined;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket?.destroy();
    publish(connectionChannel, () => ({ event: 'close' as const, broker: `kafka://${this.key}`, error: err }));
    for (const fn of this.closeListeners.splice(0)) fn(err);
  }
}

// OpenSSL's verify codes for a broker certificate that does not chain to the CA or names another host
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A TLS failure that retrying cannot fix, as a typed error: the broker's certificate is not trusted
 * (TlsError), or the broker refused ours or its absence (AuthenticationError); undefined for others.
 */
function tlsFailure(key: string, e: NodeJS.ErrnoException, options: tls.ConnectionOptions | undefined): CortadoError | undefined {
  const code = e.code ?? '';
  if (UNTRUSTED.has(code)) {
    const err = new TlsError(
      `TLS: the certificate of kafka+ssl://${key} is not trusted (${code}: ${e.message}); set tlsCaFile or tlsCa to the CA that signed it` +
        (code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? ', or connect by a host name the certificate lists' : ''),
    );
    (err as { cause?: unknown }).cause = e;
    return err;
  }
  // the broker's alert when it wants a client certificate and got none or one it does not trust
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(code)) {
    const why = options?.cert
      ? 'it did not accept the client certificate (tlsCert/tlsCertFile)'
      : 'it requires a client certificate: set tlsCertFile and tlsKeyFile (or tlsCert and tlsKey)';
    return new AuthenticationError(`TLS: kafka+ssl://${key} refused the handshake (${code}): ${why}`, false, { cause: e });
  }
  return undefined;
}

import { Backoff } from '../core/backoff';
import type { Connection } from './connection';
import { consumerChannel, HandlerState, HandlerStateEvent, producerChannel } from '../core/diagnostics';
import type { ConnectionPool } from './connection-pool';
import { BrokerError, ClosedError, ConnectionError, CortadoError, TimeoutError } from '../core/errors';
import type { LookupService } from './lookup-service';

// connecting: looking up, connecting or registering (first time or after a loss); ready: registered
// on `conn`; closing/closed: the app closed it; terminated: the topic was terminated; failed: a
// terminal broker error (typed in `failure`).
export type { HandlerState };

export interface HandlerContext {
  pool: ConnectionPool;
  lookup: LookupService;
  /** how long start() keeps retrying transient errors */
  operationTimeoutMs: number;
  /** a reconnect falls due this long after a loss at the latest, once per loss (0: none) */
  backoffMandatoryStopMs?: number;
  /** which diagnostics channel hears the state changes: `cortado:producer` or `cortado:consumer` */
  kind?: 'producer' | 'consumer';
  /** told every state change (the façade turns them into events) */
  onStateChange?(change: HandlerStateEvent): void;
}

// Broker errors that end a handler that had registered before (Java ProducerImpl/ConsumerImpl, C++ HandlerBase).
const TERMINAL_AFTER_READY = new Set([
  'TopicTerminatedError',
  'TopicNotFound',
  'AuthorizationError',
  'AuthenticationError',
  'IncompatibleSchema',
  'ProducerFenced',
  'InvalidTopicName',
  'UnsupportedVersionError',
]);

// Before the first registration the references also give up on these (PulsarClientException.isRetriableError).
const TERMINAL_BEFORE_READY = new Set([
  ...TERMINAL_AFTER_READY,
  'ProducerBusy',
  'ConsumerBusy',
  'NotAllowedError',
  'ConsumerAssignError',
  'ChecksumError',
  'SubscriptionNotFound',
  'ProducerBlockedQuotaExceededException',
]);

/**
 * Whether an error met while (re)registering is worth another try: connection losses and timeouts
 * always are; a broker error unless it is terminal; anything else (a bug, a bad config) is not.
 */
export function isRetryable(err: unknown, everReady: boolean): boolean {
  if (err instanceof ConnectionError || err instanceof TimeoutError) return true;
  if (err instanceof BrokerError) return !(everReady ? TERMINAL_AFTER_READY : TERMINAL_BEFORE_READY).has(err.serverError);
  // a producer that lost its connection may still be known to the broker for a moment: busy is worth a retry then
  if (err instanceof CortadoError && err.code === 'PRODUCER_BUSY') return everReady;
  return false;
}

/** An attempt that lost its connection (or was overtaken by close) before it could finish. */
export class StaleAttemptError extends ConnectionError {}

interface StartWaiter {
  resolve(): void;
  reject(err: CortadoError): void;
  deadline: number;
}

/**
 * The lifecycle of anything registered on a broker connection (the C++ client's HandlerBase):
 * one reconnect path guarded against re-entry, one backoff, one rule for transient vs terminal
 * errors. Every attempt carries a number; a loss bumps it, so a registration that completes on a
 * connection that was lost meanwhile (a CLOSE in the same read as the success) never goes ready.
 */
export abstract class HandlerBase {
  private stateNow: HandlerState = 'idle';
  /** the connection this handler is registered on while ready */
  protected conn?: Connection;
  /** set once the handler is terminated, failed or closed: what its pending and later work fails with */
  failure?: CortadoError;
  private attempt = 0;
  private attemptRunning = false;
  private reconnectTimer?: NodeJS.Timeout;
  private startWaiter?: StartWaiter;
  private everReady = false;
  protected readonly backoff: Backoff;

  constructor(
    /** the Pulsar topic this handler registers on */
    readonly topicName: string,
    private readonly hctx: HandlerContext,
  ) {
    this.backoff = new Backoff(100, 30_000, hctx.backoffMandatoryStopMs);
  }

  // Every state change goes through here: published on the kind's channel and told to the façade.
  protected get state(): HandlerState {
    return this.stateNow;
  }

  protected set state(to: HandlerState) {
    const from = this.stateNow;
    if (from === to) return;
    this.stateNow = to;
    const { kind, onStateChange } = this.hctx;
    const ch = kind === 'consumer' ? consumerChannel : kind === 'producer' ? producerChannel : undefined;
    if (!onStateChange && !ch?.hasSubscribers) return;
    const change: HandlerStateEvent = { topic: this.topicName, from, to, error: this.failure };
    if (ch?.hasSubscribers) ch.publish(change);
    try {
      onStateChange?.(change);
    } catch {
      // an observer's bug must not stop the lifecycle half-way through a transition
    }
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  get currentState(): HandlerState {
    return this.state;
  }

  /** Registers for the first time; transient errors are retried with backoff until operationTimeoutMs. */
  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new ClosedError(`the handler on ${this.topicName} was already started`));
    this.state = 'connecting';
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject, deadline: Date.now() + this.hctx.operationTimeoutMs };
      this.runAttempt();
    });
  }

  /** Registers on `conn` (add the listener, send PRODUCER/SUBSCRIBE); throws the typed broker answer. */
  protected abstract register(conn: Connection): Promise<void>;

  /** Undoes a registration that will not be used: drop the listener, and tell the broker when it may hold one. */
  protected abstract release(conn: Connection, err: unknown): void;

  /** Now registered on `this.conn`: resend, flow, flush what waited. */
  protected abstract becameReady(): void;

  /** The connection was lost (before the reconnect starts). */
  protected onDisconnected(): void {}

  /** Terminal: fail everything pending with the cause. */
  protected abstract failPending(err: CortadoError): void;

  /** Maps a first-registration error to what start() rejects with. */
  protected startError(err: CortadoError): CortadoError {
    return err;
  }

  private runAttempt(): void {
    if (this.attemptRunning || this.state !== 'connecting') return;
    this.attemptRunning = true;
    const my = ++this.attempt;
    this.connectOnce(my).then(
      () => {
        this.attemptRunning = false;
        const w = this.startWaiter;
        this.startWaiter = undefined;
        w?.resolve();
      },
      (err: unknown) => {
        this.attemptRunning = false;
        this.attemptFailed(err);
      },
    );
  }

  private async connectOnce(my: number): Promise<void> {
    let conn: Connection | undefined;
    try {
      const where = await this.hctx.lookup.lookup(this.topicName);
      this.checkCurrent(my);
      conn = await this.hctx.pool.get(where.address, where.proxyToBrokerUrl);
      this.checkCurrent(my);
      await this.register(conn);
      this.checkCurrent(my);
    } catch (err) {
      if (conn) this.release(conn, err);
      throw err;
    }
    this.conn = conn;
    this.state = 'ready';
    this.everReady = true;
    this.backoff.reset();
    this.becameReady();
  }

  private checkCurrent(my: number): void {
    if (my !== this.attempt || this.state !== 'connecting') {
      throw new StaleAttemptError(`the connection for ${this.topicName} was lost while registering`);
    }
  }

  private attemptFailed(err: unknown): void {
    const w = this.startWaiter;
    if (this.state !== 'connecting') {
      // closed (or failed) meanwhile: start() learns why
      if (w) {
        this.startWaiter = undefined;
        w.reject(this.failure ?? new ClosedError(`the handler on ${this.topicName} was closed`));
      }
      return;
    }
    const e =
      err instanceof CortadoError
        ? err
        : new CortadoError(`registering on ${this.topicName} failed: ${String(err)}`, 'CONNECTION', false, { cause: err });
    if (!isRetryable(e, this.everReady) || (w && Date.now() >= w.deadline)) {
      this.fail(w ? this.startError(e) : e);
      return;
    }
    this.scheduleReconnect();
  }

  /** The broker closed this handler or the connection dropped: exactly one reconnect, whatever triggered it. */
  protected connectionLost(): void {
    if (this.state !== 'ready' && this.state !== 'connecting') return;
    // any attempt in flight is now stale and will schedule the reconnect itself when it ends
    this.attempt++;
    this.conn = undefined;
    this.state = 'connecting';
    this.onDisconnected();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.attemptRunning || this.reconnectTimer || this.state !== 'connecting') return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.runAttempt();
    }, this.backoff.next());
  }

  /** Moves to a terminal state: pending work fails with `err`, no more reconnects. */
  protected fail(err: CortadoError): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'terminated') return;
    this.failure = err;
    this.state = err instanceof BrokerError && err.serverError === 'TopicTerminatedError' ? 'terminated' : 'failed';
    this.attempt++;
    this.stopTimers();
    const conn = this.conn;
    this.conn = undefined;
    if (conn) this.release(conn, err);
    this.failPending(err);
    const w = this.startWaiter;
    this.startWaiter = undefined;
    w?.reject(err);
  }

  private stopTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  /**
   * Starts closing: no reconnect after this, a running attempt becomes stale. Returns the
   * connection it was registered on (undefined unless ready), for the subclass to close on.
   */
  protected beginClose(): Connection | undefined {
    const wasReady = this.state === 'ready';
    this.state = 'closing';
    this.attempt++;
    this.stopTimers();
    const conn = this.conn;
    this.conn = undefined;
    const w = this.startWaiter;
    if (w) {
      this.startWaiter = undefined;
      w.reject(new ClosedError(`the handler on ${this.topicName} was closed while starting`));
    }
    return wasReady && conn && !conn.closed ? conn : undefined;
  }

  protected finishClose(err: CortadoError): void {
    this.state = 'closed';
    this.failure ??= err;
  }
}

import { HandlerTimeoutError } from './errors';
import type { Message } from './received-message';

/** What a message handler may return: `{ ack: false }` leaves the messages unacknowledged. */
export type HandlerResult = void | undefined | { ack?: boolean; retryLaterMs?: number };
/**
 * Gets one topic-partition's messages in order. `signal` aborts when cortado stops waiting for
 * the handler (handler timeout, or close() giving up): whatever it does afterwards is not acknowledged.
 */
export type MessageHandler = (messages: Message[], signal: AbortSignal) => HandlerResult | Promise<HandlerResult>;

export interface HandlerHost {
  handler: MessageHandler;
  timeoutMs: number;
  maxBatch: number;
  /** a slot under the handler concurrency limit */
  acquire(): Promise<void>;
  release(): void;
  /** drops messages a reconnect made stale (or already acknowledged) and returns their flow permits */
  fresh(messages: Message[]): Message[];
  settle(messages: Message[], outcome: 'ack' | 'leave' | 'nack' | 'retry', err?: unknown, delayMs?: number): void;
}

interface Running {
  /** the batch's topic-partition */
  topic: string;
  partition: number;
  abort: AbortController;
  /** close() gave up on it: its outcome no longer counts */
  abandoned: boolean;
  wake(): void;
}

/**
 * A consumer worker: runs the handler over one topic-partition's messages at a time, in arrival
 * order, so a partition is handled by one worker at a time while workers run in parallel.
 *
 * A handler past handlerTimeoutMs has its signal aborted and its messages nacked at once; the
 * worker's next batch waits until it returns, or until as long again has passed (then it is
 * abandoned), so a timed-out handler that honours its signal never overlaps the next batch.
 */
export class HandlerWorker {
  private queue: Message[] = [];
  private running = false;
  private stopped = false;
  private current?: Running;
  private idleWaiters: Array<() => void> = [];
  /** told after each batch settles (release() waits on them) */
  private batchWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly host: HandlerHost,
  ) {}

  push(messages: Message[]): void {
    if (this.stopped) return;
    for (const m of messages) this.queue.push(m);
    if (!this.running) void this.run();
  }

  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running;
  }

  /** Takes no more batches; queued messages are dropped (unacknowledged, the broker redelivers them). */
  stop(): void {
    this.stopped = true;
    this.queue = [];
  }

  /** Resolves once no handler of this worker runs. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Drops the queued messages of one topic-partition (its partition was revoked) and resolves once
   * no handler of this worker runs over that partition.
   */
  async release(topic: string, partition: number): Promise<void> {
    this.queue = this.queue.filter((m) => m.topic !== topic || m.partition !== partition);
    while (this.running && this.current && this.current.topic === topic && this.current.partition === partition) {
      await new Promise<void>((r) => this.batchWaiters.push(r));
    }
  }

  /** Gives up on the running handler: its signal aborts with `reason` and its outcome is ignored. */
  abandon(reason: Error): void {
    const cur = this.current;
    if (!cur) return;
    cur.abandoned = true;
    cur.abort.abort(reason);
    cur.wake();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        await this.host.acquire();
        try {
          if (this.stopped || this.queue.length === 0) break;
          const batch = this.host.fresh(this.takeRun());
          if (batch.length > 0) await this.handle(batch);
          this.current = undefined;
          for (const w of this.batchWaiters.splice(0)) w();
        } finally {
          this.host.release();
        }
      }
    } finally {
      this.running = false;
      this.current = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
      for (const w of this.batchWaiters.splice(0)) w();
    }
  }

  // The longest run at the head that belongs to one topic-partition, up to the batch limit.
  private takeRun(): Message[] {
    const first = this.queue[0];
    let n = 1;
    while (
      n < this.queue.length &&
      n < this.host.maxBatch &&
      this.queue[n].topic === first.topic &&
      this.queue[n].partition === first.partition
    )
      n++;
    return this.queue.splice(0, n);
  }

  private async handle(batch: Message[]): Promise<void> {
    let wake!: () => void;
    const woken = new Promise<'woken'>((r) => (wake = () => r('woken')));
    const cur: Running = { topic: batch[0].topic, partition: batch[0].partition, abort: new AbortController(), abandoned: false, wake };
    this.current = cur;
    const settled = Promise.resolve()
      .then(() => this.host.handler(batch, cur.abort.signal))
      .then(
        (result) => ({ result, failed: false as const }),
        (error: unknown) => ({ error, failed: true as const }),
      );
    const limit = this.host.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), limit)));
    const first = await Promise.race([settled, timedOut, woken]);
    clearTimeout(timer);
    if (cur.abandoned) return;
    if (first === 'timeout') {
      const err = new HandlerTimeoutError(limit);
      cur.abort.abort(err);
      this.host.settle(batch, 'nack', err);
      // the next batch of this worker starts once this one returned, or was abandoned after as long again
      const grace = new Promise<void>((r) => (timer = setTimeout(r, limit)));
      await Promise.race([settled, grace, woken]);
      clearTimeout(timer);
      return;
    }
    if (first === 'woken') return;
    if (first.failed) this.host.settle(batch, 'nack', first.error);
    else {
      const r = first.result;
      if (r && typeof r === 'object' && r.retryLaterMs !== undefined) this.host.settle(batch, 'retry', undefined, r.retryLaterMs);
      else this.host.settle(batch, r && typeof r === 'object' && r.ack === false ? 'leave' : 'ack');
    }
  }
}

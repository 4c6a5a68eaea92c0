import type { Message } from './received-message';

/** What a message handler may return: `{ ack: false }` leaves the messages unacknowledged. */
export type HandlerResult = void | undefined | { ack?: boolean };
export type MessageHandler = (messages: Message[]) => HandlerResult | Promise<HandlerResult>;

export interface HandlerHost {
  handler: MessageHandler;
  timeoutMs: number;
  maxBatch: number;
  /** a slot under the handler concurrency limit */
  acquire(): Promise<void>;
  release(): void;
  /** drops messages a reconnect made stale and returns their flow permits */
  fresh(messages: Message[]): Message[];
  settle(messages: Message[], outcome: 'ack' | 'leave' | 'nack', err?: unknown): void;
}

/**
 * A consumer worker: runs the handler over one topic-partition's messages at a time, in arrival
 * order, so a partition is handled by one worker at a time while workers run in parallel.
 */
export class HandlerWorker {
  private queue: Message[] = [];
  private running = false;

  constructor(
    readonly name: string,
    private readonly host: HandlerHost,
  ) {}

  push(messages: Message[]): void {
    for (const m of messages) this.queue.push(m);
    if (!this.running) void this.run();
  }

  get queued(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        await this.host.acquire();
        try {
          const batch = this.host.fresh(this.takeRun());
          if (batch.length > 0) await this.handle(batch);
        } finally {
          this.host.release();
        }
      }
    } finally {
      this.running = false;
    }
  }

  // The longest run at the head that belongs to one topic-partition, up to the batch limit.
  private takeRun(): Message[] {
    const first = this.queue[0];
    let n = 1;
    while (n < this.queue.length && n < this.host.maxBatch && this.queue[n].topic === first.topic && this.queue[n].partition === first.partition) n++;
    return this.queue.splice(0, n);
  }

  private async handle(batch: Message[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => this.host.handler(batch)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`handler did not finish within ${this.host.timeoutMs} ms`)), this.host.timeoutMs);
        }),
      ]);
      this.host.settle(batch, result && typeof result === 'object' && result.ack === false ? 'leave' : 'ack');
    } catch (err) {
      this.host.settle(batch, 'nack', err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

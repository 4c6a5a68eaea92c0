import { QueueFullError } from './errors';
import type { MemoryLimitController } from './memory-limit-controller';
import type { OutgoingMessage } from './message';

/**
 * The room one partition's sink gives to unsettled messages: at most `maxPending` of them, and
 * their bytes under the client's memory budget; waiting senders (blockIfQueueFull) go in order.
 */
export class Admission {
  /** messages admitted and not settled */
  pending = 0;
  private readonly waiters: Array<{ grant(): void; reject(err: Error): void }> = [];

  constructor(
    private readonly maxPending: number,
    private readonly memory: MemoryLimitController,
    private readonly where: string,
  ) {}

  tryAdmit(size: number): boolean {
    if (this.waiters.length > 0 || this.pending >= this.maxPending) return false;
    if (!this.memory.tryReserve(size)) return false;
    this.pending++;
    return true;
  }

  queueFullError(size: number): QueueFullError {
    if (this.waiters.length > 0 || this.pending >= this.maxPending) {
      return new QueueFullError(
        `${this.where} already holds ${this.maxPending} unsettled sends (maxPendingMessages); wait for some to complete or set blockIfQueueFull`,
      );
    }
    return new QueueFullError(
      `the client's ${this.memory.limit} bytes of unsettled messages (memoryLimitBytes) leave no room for ${size} more; wait for some to complete or set blockIfQueueFull`,
    );
  }

  async admit(size: number): Promise<void> {
    if (this.waiters.length > 0 || this.pending >= this.maxPending) {
      // the releaser counts the permit for us before granting it
      await new Promise<void>((grant, reject) => this.waiters.push({ grant, reject }));
    } else this.pending++;
    try {
      await this.memory.reserve(size);
    } catch (err) {
      this.release();
      throw err;
    }
  }

  private release(): void {
    this.pending--;
    if (this.waiters.length > 0 && this.pending < this.maxPending) {
      this.pending++;
      this.waiters.shift()!.grant();
    }
  }

  /** Marks `msg` settled and frees its room; false when it was settled already. */
  settle(msg: OutgoingMessage): boolean {
    if (msg.settled) return false;
    msg.settled = true;
    this.memory.release(msg.size);
    this.release();
    return true;
  }

  /** Fails the senders still waiting for room. */
  rejectWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

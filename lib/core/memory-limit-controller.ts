/**
 * Bytes of message payload a client may hold before they are acknowledged, shared by every
 * producer of one client (the Java and C++ clients' MemoryLimitController). 0 means no limit.
 */
export class MemoryLimitController {
  private used = 0;
  private readonly waiters: Array<{ size: number; grant(): void; reject(err: Error): void }> = [];

  constructor(readonly limit: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserves at once when there is room and nobody waits ahead; a message larger than the limit passes alone. */
  tryReserve(size: number): boolean {
    if (this.limit === 0) return true;
    if (this.waiters.length > 0 || (this.used > 0 && this.used + size > this.limit)) return false;
    this.used += size;
    return true;
  }

  /** Reserves, waiting in line behind earlier callers until enough is released. */
  reserve(size: number): Promise<void> {
    if (this.tryReserve(size)) return Promise.resolve();
    return new Promise((grant, reject) => this.waiters.push({ size, grant, reject }));
  }

  release(size: number): void {
    if (this.limit === 0) return;
    this.used -= size;
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      if (this.used > 0 && this.used + w.size > this.limit) break;
      this.waiters.shift();
      this.used += w.size;
      w.grant();
    }
  }

  /** Fails every caller still waiting (the client is closing). */
  rejectWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

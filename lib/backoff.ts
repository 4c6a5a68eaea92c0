/** Exponential backoff with jitter, as the official clients reconnect: 100 ms doubling to a cap. */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
  ) {
    this.current = initialMs;
  }

  next(): number {
    const base = this.current;
    this.current = Math.min(this.current * 2, this.maxMs);
    // up to 10% jitter spreads out clients that lost the same broker at once
    return Math.round(base * (0.9 + Math.random() * 0.1));
  }

  reset(): void {
    this.current = this.initialMs;
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

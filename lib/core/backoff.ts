/**
 * Exponential backoff with jitter, as the official clients reconnect: 100 ms doubling to a cap.
 * A mandatory stop cuts one delay so that a retry falls due by `mandatoryStopMs` after the first.
 */
export class Backoff {
  private current: number;
  /** when the first delay since the last reset was handed out */
  private firstAt?: number;
  private stopMade = false;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
    /** 0: no mandatory stop */
    private readonly mandatoryStopMs = 0,
  ) {
    this.current = initialMs;
  }

  next(): number {
    let base = this.current;
    this.current = Math.min(this.current * 2, this.maxMs);
    if (this.mandatoryStopMs > 0 && !this.stopMade) {
      const now = Date.now();
      this.firstAt ??= now;
      const elapsed = now - this.firstAt;
      if (elapsed + base > this.mandatoryStopMs) {
        base = Math.max(this.initialMs, this.mandatoryStopMs - elapsed);
        this.stopMade = true;
      }
    }
    // up to 10% jitter spreads out clients that lost the same broker at once
    return Math.round(base * (0.9 + Math.random() * 0.1));
  }

  reset(): void {
    this.current = this.initialMs;
    this.firstAt = undefined;
    this.stopMade = false;
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

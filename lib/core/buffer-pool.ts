// Space for batch bodies, handed back once the broker's receipt shows the bytes were sent: a fresh
// 128 KiB buffer costs page faults and an mmap per batch, a kept one costs nothing.
const MIN_POOLED = 16 << 10;
const ROUND = 16 << 10;

export class BufferPool {
  private readonly free: Buffer[] = [];
  private kept = 0;

  /** `maxKeptBytes`: idle space kept at most; anything beyond goes back to the allocator. */
  constructor(private readonly maxKeptBytes = 4 << 20) {}

  /** Space of `size` bytes, possibly used before; arrow so it can be passed as an allocator. */
  readonly take = (size: number): Buffer => {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i];
      if (b.length >= size) {
        this.free[i] = this.free[this.free.length - 1];
        this.free.pop();
        this.kept -= b.length;
        return b.subarray(0, size);
      }
    }
    return Buffer.allocUnsafe(Math.ceil(size / ROUND) * ROUND).subarray(0, size);
  };

  /** Takes back space from take() whose bytes nobody reads any more. */
  give(space: Uint8Array): void {
    if (space.byteLength < MIN_POOLED || space.byteOffset !== 0) return;
    const whole = Buffer.from(space.buffer, 0, space.buffer.byteLength);
    if (this.kept + whole.length > this.maxKeptBytes) return;
    this.free.push(whole);
    this.kept += whole.length;
  }

  /** Idle bytes kept now. */
  get keptBytes(): number {
    return this.kept;
  }
}

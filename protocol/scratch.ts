/**
 * Space a synchronous encoder reuses call after call: what it returns is valid until the next
 * take(). It grows up to `limit` bytes; a larger request gets a buffer of its own.
 */
export class Scratch {
  private space: Buffer;

  constructor(
    readonly limit: number,
    initial = 0,
  ) {
    this.space = Buffer.allocUnsafe(initial);
  }

  take(size: number): Buffer {
    if (size > this.limit) return Buffer.allocUnsafe(size);
    if (this.space.length < size) this.space = Buffer.allocUnsafe(Math.min(this.limit, Math.max(size, 2 * this.space.length)));
    return this.space.subarray(0, size);
  }
}

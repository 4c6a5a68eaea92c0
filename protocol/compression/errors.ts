/** A payload that does not decompress to the size its metadata promised. */
export class CompressionError extends Error {
  constructor(
    readonly codec: string,
    message: string,
  ) {
    super(`${codec}: ${message}`);
    this.name = 'CompressionError';
  }
}

/** Runs a codec's decoder, turning any failure or size mismatch into a CompressionError. */
export function checkedDecode(codec: string, expected: number, decode: () => Uint8Array): Uint8Array {
  let out: Uint8Array;
  try {
    out = decode();
  } catch (err) {
    throw err instanceof CompressionError ? err : new CompressionError(codec, `corrupt input (${(err as Error).message})`);
  }
  if (out.length !== expected) throw new CompressionError(codec, `decoded ${out.length} bytes, metadata says ${expected}`);
  return out;
}

/** A codec failure: an unknown codec, or a payload that does not decode to the size its metadata promised. */
export class CompressionError extends Error {
  constructor(
    readonly codec: string,
    message: string,
  ) {
    super(`${codec}: ${message}`);
    this.name = 'CompressionError';
  }
}

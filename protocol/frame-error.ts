/** The decoder's one error: bytes that are too large or do not decode. `cause` keeps a codec library's own error. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly reason: 'too-large' | 'malformed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FrameError';
  }
}

import { CortadoError } from '../cortado-error';

/** The decoder's one error: bytes that are too large or do not decode. `cause` keeps a codec library's own error. */
export class FrameError extends CortadoError {
  constructor(
    message: string,
    readonly reason: 'too-large' | 'malformed',
    options?: { cause?: unknown },
  ) {
    super(message, 'PROTOCOL', false, options);
  }
}

import { CortadoError } from '../cortado-error';

/** A codec failure: an unknown codec, or a payload that does not decode to the size its metadata promised. */
export class CompressionError extends CortadoError {
  constructor(
    readonly codec: string,
    message: string,
  ) {
    super(`${codec}: ${message}`, 'COMPRESSION');
  }
}

import * as fs from 'fs';
import { AuthenticationError, CortadoError } from '../core/errors';
import type { AuthProvider } from './provider';

/** Returns the current JWT; called on every connect and every AUTH_CHALLENGE. */
export type TokenSupplier = () => string | Promise<string>;

/** Auth method `token`: the JWT from the supplier, asked afresh each time the broker needs it. */
export function tokenAuth(supply: TokenSupplier): AuthProvider {
  return {
    methodName: 'token',
    async data() {
      let token: string;
      try {
        token = await supply();
      } catch (err) {
        if (err instanceof CortadoError) throw err;
        throw new AuthenticationError(`the token supplier failed: ${(err as Error).message}`, true, { cause: err });
      }
      if (typeof token !== 'string' || token.trim() === '')
        throw new AuthenticationError('the token supplier returned no token (expected a non-empty string)');
      return Buffer.from(token.trim(), 'utf8');
    },
  };
}

/** Re-reads the file on every call, as the Java client does, so a rotated file refreshes the token. */
export function tokenFileSupplier(file: string): TokenSupplier {
  return () => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new AuthenticationError(
        `cannot read the token file ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        true,
        { cause: err },
      );
    }
  };
}

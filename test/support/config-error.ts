import { expect } from 'chai';
import { ConfigError } from '../../lib/core/errors';

/** Runs fn and returns the ConfigError it throws; fails the test when it throws nothing or something else. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

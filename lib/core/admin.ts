import type { AnyAdmin } from './backend';
import { registeredBackends } from './backend-registry';
import { chooseBackend } from './config';
import { ConfigError } from './errors';
import { envNameOf } from './options';

/** The admin client of the backend the options' URL names (option url, CORTADO_URL, a platform's variables). */
export function openAdmin(options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): AnyAdmin {
  const { backend, url } = chooseBackend(options, env);
  if (!backend.openAdmin) throw new ConfigError(`the ${backend.name} backend has no admin client`, 'url', envNameOf('url'), url);
  return backend.openAdmin(options, env);
}

/**
 * `new Admin(options)`: the constructor hands back the chosen backend's own admin client, so its
 * methods are that backend's; `instanceof Admin` holds for every backend's admin.
 */
export class Admin {
  constructor(options: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env) {
    return openAdmin(options, env) as unknown as Admin;
  }

  static [Symbol.hasInstance](x: unknown): boolean {
    return registeredBackends().some((f) => f.isAdmin?.(x) === true);
  }
}

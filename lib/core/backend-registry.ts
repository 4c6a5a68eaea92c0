import type { BackendFactory } from './backend';
import { ConfigError } from './errors';
import { envNameOf } from './options';

// Filled by lib/backends.ts, so the façade picks an engine by URL scheme without importing one.
const factories: BackendFactory[] = [];

/** Adds a backend (once per name); returns what takes it away again. */
export function registerBackend(factory: BackendFactory): () => void {
  if (!factories.some((f) => f.name === factory.name)) factories.push(factory);
  return () => {
    const i = factories.indexOf(factory);
    if (i >= 0) factories.splice(i, 1);
  };
}

export function registeredBackends(): readonly BackendFactory[] {
  return factories;
}

/** The URL used when none is configured: the first registered backend's. */
export function defaultUrl(): string {
  if (factories.length === 0)
    throw new ConfigError('no backend is registered; import cortado, not its inner modules', 'url', 'CORTADO_URL', undefined);
  return factories[0].defaultUrl;
}

export function schemeOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim());
  return m ? m[1].toLowerCase() : '';
}

/** The backend serving a URL's scheme; a ConfigError listing the known schemes for any other. `origin` says where the URL came from. */
export function backendForUrl(url: string, origin = 'url'): BackendFactory {
  const scheme = schemeOf(url);
  const found = factories.find((f) => f.schemes.includes(scheme));
  if (found) return found;
  const known = factories.flatMap((f) => f.schemes.map((s) => `${s}://host:port`));
  throw new ConfigError(
    `${origin} = ${JSON.stringify(url)} has ${scheme ? `the unknown scheme ${scheme}://` : 'no scheme'}; expected one of ${known.join(', ')}`,
    'url',
    envNameOf('url'),
    url,
  );
}

/** The backend that declares `option` for objects of `kind`, other than `except`. */
export function ownerOfOption(
  option: string,
  kind: 'client' | 'producer' | 'consumer',
  except: BackendFactory,
): BackendFactory | undefined {
  return factories.find((f) => f !== except && (option in f.options.client || option in f.options[kind]));
}

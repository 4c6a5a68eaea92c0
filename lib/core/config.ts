import { z } from 'zod';
import { checkSecurity, envOrigin } from '../auth/check-security';
import { SECRET_OPTIONS, SecuritySettings } from '../auth/security-options';
import type { BackendFactory, DerivedOptions } from './backend';
import { backendForUrl, defaultUrl, ownerOfOption, registeredBackends, schemeOf } from './backend-registry';
import { ConfigError } from './errors';
import { envNameOf, readEnv } from './options';
import { producerShape, type ProducerConfig, type ProducerOptions } from './shapes';

export { clientShape, producerShape, WORKER_ALLOCATIONS } from './shapes';
export type { ClientConfig, ProducerConfig, ProducerOptions, WorkerAllocation } from './shapes';

/** Which client of a backend an options object is for: each backend declares its own options per kind. */
export type OptionsKind = 'client' | 'producer' | 'consumer';

/**
 * Parses options for the backend their URL names: the shared `shape` plus that backend's own
 * options. An option only another backend has is a ConfigError naming it and both backends.
 */
export function parseFor<S extends z.ZodRawShape>(
  kind: OptionsKind,
  shape: S,
  explicit: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): { config: z.infer<z.ZodObject<S>> & Record<string, unknown>; backend: BackendFactory } {
  const { backend, url, derived, derivedBy } = chooseBackend(explicit, env);
  // derived options only count for the backend that derived them
  const code = derived && derivedBy === backend ? { ...derived.options, ...defined(explicit) } : explicit;
  const own = { ...backend.options.client, ...(kind === 'client' ? {} : backend.options[kind]) };
  const full = { ...shape, ...own, url: z.string().default(url) } as unknown as S;
  const foreign = (o: string, where: string) => {
    const owner = ownerOfOption(o, kind, backend);
    if (!owner) return;
    throw new ConfigError(
      `${where} is a ${owner.name} option; the ${backend.name} backend (${schemeOf(url)}://) does not have it`,
      o,
      envNameOf(o),
      SECRET_OPTIONS.has(o) ? '[redacted]' : code[o],
    );
  };
  for (const k of Object.keys(code)) if (!(k in full) && code[k] !== undefined) foreign(k, `option ${k}`);
  for (const f of registeredBackends()) {
    if (f === backend) continue;
    for (const k of [...Object.keys(f.options.client), ...Object.keys(f.options[kind])]) {
      if (!(k in full) && env[envNameOf(k)]) foreign(k, `${envNameOf(k)} (option ${k})`);
    }
  }
  const config = parseOptions(full, code, env);
  backend.checkUrl((config as Record<string, unknown>).url as string);
  return { config, backend };
}

/** The backend the options' URL names (option url, a platform's variables, CORTADO_URL, else the default), its URL, and any platform options read on the way. */
export function chooseBackend(
  explicit: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { backend: BackendFactory; url: string; derived?: DerivedOptions; derivedBy?: BackendFactory } {
  // a backend's platform variables (its own hook) sit under the code options, and may name the URL
  let derivedBy: BackendFactory | undefined;
  let derived: DerivedOptions | undefined;
  for (const f of registeredBackends()) {
    derived = f.deriveOptions?.(explicit, env);
    if (derived) {
      derivedBy = f;
      break;
    }
  }
  const codeUrl = explicit.url ?? derived?.options.url;
  const envUrl = env[envNameOf('url')];
  const url = typeof codeUrl === 'string' ? codeUrl : codeUrl === undefined && envUrl ? envUrl : defaultUrl();
  const origin =
    typeof explicit.url === 'string'
      ? 'option url'
      : typeof codeUrl === 'string'
        ? derived!.origin
        : codeUrl === undefined && envUrl
          ? 'CORTADO_URL (option url)'
          : 'url';
  return { backend: backendForUrl(url, origin), url, derived, derivedBy };
}

/**
 * Builds a config from the environment and code options (code wins). A bad value throws a
 * ConfigError naming the option, its environment variable, the value and what is allowed.
 */
export function parseOptions<S extends z.ZodRawShape>(
  shape: S,
  code: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const keys = Object.keys(shape);
  for (const k of Object.keys(code)) {
    if (!keys.includes(k)) {
      throw new ConfigError(`unknown option ${JSON.stringify(k)}; known options: ${keys.join(', ')}`, k, envNameOf(k), code[k]);
    }
  }
  const fromEnv: Record<string, unknown> = readEnv(keys, env);
  for (const k of JSON_OPTIONS) if (typeof fromEnv[k] === 'string') fromEnv[k] = parseJsonEnv(k, fromEnv[k] as string);
  const definedCode = Object.fromEntries(Object.entries(code).filter(([, v]) => v !== undefined));
  const merged = { ...fromEnv, ...definedCode };
  const res = z.object(shape).strict().safeParse(merged);
  if (!res.success) {
    const issue = res.error.issues[0];
    const option = String(issue.path[0] ?? '');
    // a secret is never echoed, not even a malformed one
    const value = SECRET_OPTIONS.has(option) ? '[redacted]' : merged[option];
    const source = option in definedCode ? `option ${option}` : `${envNameOf(option)} (option ${option})`;
    throw new ConfigError(`${source} = ${describe(value)} is not allowed: ${issue.message}`, option, envNameOf(option), value);
  }
  const cfg = res.data as Record<string, unknown>;
  if ('tlsCaFile' in shape) checkSecurity(cfg as unknown as SecuritySettings, (o) => (o in definedCode ? `option ${o}` : envOrigin(o)));
  return cfg as z.infer<z.ZodObject<S>>;
}

// options whose value is an object: their environment variable holds JSON
const JSON_OPTIONS = ['schema', 'negativeAckRedeliveryBackoff', 'deadLetterPolicy'];

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function parseJsonEnv(option: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`${envNameOf(option)} is not valid JSON: ${text.slice(0, 80)}`, option, envNameOf(option), text);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A producer config for the backend its URL names; a bad value is a ConfigError naming the option. */
export function parseProducerConfig(code: ProducerOptions = {}, env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const { config, backend } = parseFor('producer', producerShape, code as Record<string, unknown>, env);
  backend.checkProducer?.(config as ProducerConfig);
  return config as ProducerConfig;
}

/** The backend a URL selects (see lib/backends.ts for the registered ones). */
export function backendOf(config: { url: string }): BackendFactory {
  return backendForUrl(config.url);
}

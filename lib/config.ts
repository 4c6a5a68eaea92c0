import { z } from 'zod';
import { COMPRESSION_NAMES } from '../protocol/compression';
import { STRATEGY_NAMES } from '../strategies';
import type { PartitionStrategy } from '../strategies/types';
import { checkSecurity, envOrigin } from './auth/check-security';
import { SECRET_OPTIONS, securityShape, SecuritySettings } from './auth/security-options';
import { ConfigError } from './errors';
import { LOG_LEVELS, loggerOption } from './logger';
import { bool, envNameOf, int, list, oneOf, readEnv } from './options';
import { SchemaSpec, schemaSpec } from './schema';
import { parseServiceUrl } from './service-url';

export const WORKER_ALLOCATIONS = ['worker_per_topic_partition', 'worker_per_partition'] as const;
export type WorkerAllocation = (typeof WORKER_ALLOCATIONS)[number];
export const ACCESS_MODES = ['Shared', 'Exclusive', 'WaitForExclusive', 'ExclusiveWithFencing'] as const;
export type AccessModeName = (typeof ACCESS_MODES)[number];
export const BATCH_BUILDERS = ['default', 'key_based'] as const;

/** Knobs every client (producer or consumer) has. */
export const clientShape = {
  url: z.string().default('pulsar://127.0.0.1:6650'),
  connectionTimeoutMs: int(1).default(10_000),
  operationTimeoutMs: int(1).default(30_000),
  keepAliveIntervalMs: int(100).default(30_000),
  tlsCaFile: z.string().optional(),
  tlsCertFile: z.string().optional(),
  tlsKeyFile: z.string().optional(),
  tlsAllowInsecure: bool().default(false),
  authToken: z.string().optional(),
  logger: loggerOption.optional(),
  logLevel: oneOf(LOG_LEVELS).optional(),
  ...securityShape,
};

const strategyOption = z.union([oneOf(STRATEGY_NAMES), z.custom<PartitionStrategy>((v) => typeof v === 'function')], {
  error: `expected one of ${STRATEGY_NAMES.join('|')} or a function`,
});

/** Every producer knob, its type and default: read from CORTADO_<OPTION> and overridable in code. */
export const producerShape = {
  ...clientShape,
  topics: list().default([]),
  partitionStrategy: strategyOption.default('md5'),
  workerAllocation: oneOf(WORKER_ALLOCATIONS).default('worker_per_topic_partition'),
  sendTimeoutMs: int(0).default(30_000),
  producerName: z.string().min(1).optional(),
  accessMode: oneOf(ACCESS_MODES).default('Shared'),
  compression: oneOf(COMPRESSION_NAMES).default('none'),
  batchingEnabled: bool().default(false),
  batchingMaxMessages: int(1).default(1000),
  batchingMaxBytes: int(1).default(128 * 1024),
  batchingFlushMs: int(0).default(10),
  batchBuilder: oneOf(BATCH_BUILDERS).default('default'),
  chunkingEnabled: bool().default(false),
  maxMessageSize: int(1024).default(5 * 1024 * 1024),
  maxPendingMessages: int(1).default(100_000),
  memoryLimitBytes: int(0).default(64 * 1024 * 1024),
  blockIfQueueFull: bool().default(false),
  initialSequenceId: int(0).optional(),
  startupDelayMs: int(0).default(0),
  startupJitterMs: int(0).default(0),
  partitionsRefreshIntervalMs: int(0).default(60_000),
  schema: schemaSpec.optional(),
};

export const producerSchema = z.object(producerShape).strict();
export type ProducerConfig = z.infer<typeof producerSchema> & { schema?: SchemaSpec };
export type ProducerOptions = import('./types').ProducerOptions;

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
  if (typeof fromEnv.schema === 'string') fromEnv.schema = parseJsonEnv('schema', fromEnv.schema as string);
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
  if (typeof cfg.url === 'string') parseServiceUrl(cfg.url);
  if ('tlsCaFile' in shape) checkSecurity(cfg as unknown as SecuritySettings, (o) => (o in definedCode ? `option ${o}` : envOrigin(o)));
  return cfg as z.infer<z.ZodObject<S>>;
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

export function parseProducerConfig(code: ProducerOptions = {}, env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const cfg = parseOptions(producerShape, code as Record<string, unknown>, env) as ProducerConfig;
  if (cfg.chunkingEnabled && cfg.batchingEnabled) {
    throw new ConfigError(
      'chunkingEnabled and batchingEnabled cannot both be true: a chunked message cannot be part of a batch; turn one off',
      'chunkingEnabled',
      envNameOf('chunkingEnabled'),
      true,
    );
  }
  return cfg;
}

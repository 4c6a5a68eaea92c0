import { z } from 'zod';

/** Levels from most to least verbose; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where cortado writes its log lines: `console`, a pino logger, or anything with these four
 * methods. Each line is written pino-style, `logger.info(fields, message)`, or
 * `logger.info(message)` when it has no fields; console prints both.
 */
export interface Logger {
  debug(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
}

/** Structured context of one log line (topic, broker, partition, error...). */
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// Field names whose values are credentials: replaced before any sink sees them.
const SECRET_KEY = /token|password|passwd|secret|credential|authdata|privatekey|^auth$|^authorization$/i;
// user:password@ in a URL
const URL_USERINFO = /(\/\/)[^/@\s]+@/g;

export function isLogger(v: unknown): v is Logger {
  if (!v || (typeof v !== 'object' && typeof v !== 'function')) return false;
  const o = v as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((m) => typeof o[m] === 'function');
}

/** The zod field of the `logger` option. */
export const loggerOption = z.custom<Logger>(isLogger, {
  message: 'expected a logger: an object with debug, info, warn and error methods (console, pino, ...)',
});

/** Replaces credentials in log fields (and user:password in URLs), one level of nesting deep. */
export function redact(fields: LogFields, depth = 0): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k) && v !== undefined) out[k] = '[redacted]';
    else if (typeof v === 'string') out[k] = v.replace(URL_USERINFO, '$1[redacted]@');
    else if (v instanceof Error)
      out[k] = { name: v.name, message: v.message.replace(URL_USERINFO, '$1[redacted]@'), code: (v as { code?: unknown }).code };
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 1 && !(v instanceof Uint8Array))
      out[k] = redact(v as LogFields, depth + 1);
    else out[k] = v;
  }
  return out;
}

/**
 * The client's own logging face: filters by level before any work is done, redacts secrets,
 * and never lets a throwing sink break the client.
 */
export class Log {
  private readonly rank: number;

  constructor(
    private readonly sink: Logger | undefined,
    readonly level: LogLevel,
    /** fields added to every line (e.g. the client kind) */
    private readonly base: LogFields = {},
  ) {
    this.rank = sink ? RANK[level] : RANK.silent;
  }

  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Log {
    return new Log(this.sink, this.level, { ...this.base, ...fields });
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[level] >= this.rank;
  }

  debug(message: string, fields?: LogFields): void {
    if (RANK.debug >= this.rank) this.write('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    if (RANK.info >= this.rank) this.write('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    if (RANK.warn >= this.rank) this.write('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    if (RANK.error >= this.rank) this.write('error', message, fields);
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
    const all = fields ? { ...this.base, ...fields } : this.base;
    try {
      if (Object.keys(all).length === 0) this.sink![level](message);
      else this.sink![level](redact(all), message);
    } catch {
      // a broken logger must not break sends, receives or reconnects
    }
  }
}

/** Logs nothing; what every internal component uses unless given a logger. */
export const SILENT_LOG = new Log(undefined, 'silent');

/**
 * The client's Log from its options: `logger` is where lines go (none: silent, unless a level
 * was set through CORTADO_LOG_LEVEL or `logLevel`, then console); `logLevel` filters (default info).
 */
export function createLog(logger: Logger | undefined, level: LogLevel | undefined, env: NodeJS.ProcessEnv = process.env): Log {
  const fromEnv = env.CORTADO_LOG_LEVEL?.trim().toLowerCase();
  const envLevel = (LOG_LEVELS as readonly string[]).includes(fromEnv ?? '') ? (fromEnv as LogLevel) : undefined;
  const chosen = level ?? envLevel;
  const sink = logger ?? (chosen !== undefined ? console : undefined);
  return new Log(sink, chosen ?? 'info');
}

import type { Backend, BackendFactory } from './backend';
import { clientShape, ClientConfig, parseFor } from './config';
import { ClosedError, ConfigError } from './errors';
import { MemoryLimitController } from './memory-limit-controller';
import { envNameOf, int } from './options';

/** The Client's own options: the shared client knobs plus the memory budget of all its producers. */
export const sessionShape = {
  ...clientShape,
  memoryLimitBytes: int(0).default(64 * 1024 * 1024),
};

export type SessionConfig = ClientConfig & { memoryLimitBytes: number; readonly [backendOption: string]: unknown };

/**
 * What the producers, consumers and admins of one Client share: the backend (connections, lookup
 * and partition cache, auth) and the memory budget. Opened on first use, closed once.
 */
export class ClientSession {
  readonly memory: MemoryLimitController;
  private opened?: Backend;
  private closedWith?: Promise<void>;

  constructor(
    readonly config: SessionConfig,
    readonly factory: BackendFactory,
  ) {
    this.memory = new MemoryLimitController(config.memoryLimitBytes);
  }

  static parse(code: Record<string, unknown>, env: NodeJS.ProcessEnv): ClientSession {
    const { config, backend } = parseFor('client', sessionShape, code, env);
    return new ClientSession(config as SessionConfig, backend);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The backend, opened now if it was not yet. */
  get backend(): Backend {
    if (this.closedWith) throw new ClosedError('the client is closed');
    this.opened ??= this.factory.open(this.config);
    return this.opened;
  }

  /** The option keys a producer or consumer of this session may not set: they are the session's. */
  ownKeys(): string[] {
    return [...Object.keys(sessionShape), ...Object.keys(this.factory.options.client)];
  }

  /** A ConfigError for a producer or consumer option that belongs to the shared client. */
  refuseOwnKeys(options: Record<string, unknown>, what: string): void {
    const own = new Set(this.ownKeys());
    for (const k of Object.keys(options)) {
      if (own.has(k) && options[k] !== undefined) {
        throw new ConfigError(
          `option ${k} belongs to the Client this ${what} shares (its connections and memory budget); set it on new Client(...) instead`,
          k,
          envNameOf(k),
          options[k],
        );
      }
    }
  }

  /** The client's own settings, as code options for a producer or consumer config of it (the memory budget is the producers'). */
  codeOptions(kind: 'producer' | 'consumer'): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this.ownKeys()) {
      if (kind === 'consumer' && k === 'memoryLimitBytes') continue;
      if (this.config[k as keyof SessionConfig] !== undefined) out[k] = this.config[k as keyof SessionConfig];
    }
    return out;
  }

  close(): Promise<void> {
    this.closedWith ??= this.opened ? this.opened.close() : Promise.resolve();
    return this.closedWith;
  }
}

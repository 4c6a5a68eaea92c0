import * as http from 'http';
import * as https from 'https';
import { z } from 'zod';
import { AdminError, AdminTopicError, AuthenticationError, AuthorizationError } from './admin-errors';
import { AuthProvider, tlsOptionsOf } from '../auth';
import { authProviderOf } from './auth-method';
import { pulsarClientShape } from './options';
import { securityShape } from '../auth/security-options';
import type { ClientOptions } from '../core/types';
import { clientShape, parseOptions } from '../core/config';
import { ConfigError, ConnectionError, InvalidArgumentError, TimeoutError } from '../core/errors';
import { envNameOf } from '../core/options';

// declared beside the class, so the public types (which reach this file) see it
declare module '../core/backend' {
  interface AdminTypes {
    pulsar: Admin;
  }
}

/** Admin knobs: CORTADO_ADMIN_URL plus every TLS and authentication setting the clients read (CORTADO_TLS_*, CORTADO_AUTH_*, CORTADO_OAUTH2_*). */
export const adminShape = {
  adminUrl: z.string().default('http://127.0.0.1:8080'),
  url: z.string().default('pulsar://127.0.0.1:6650'),
  operationTimeoutMs: clientShape.operationTimeoutMs,
  tlsCaFile: clientShape.tlsCaFile,
  tlsCertFile: clientShape.tlsCertFile,
  tlsKeyFile: clientShape.tlsKeyFile,
  tlsAllowInsecure: clientShape.tlsAllowInsecure,
  authToken: clientShape.authToken,
  ...securityShape,
  ...pulsarClientShape,
};

/** The Admin's options: its URL plus the clients' timeout, TLS and authentication options (same names, same env variables). */
export interface AdminOptions extends Pick<
  ClientOptions,
  | 'url'
  | 'operationTimeoutMs'
  | 'tlsCaFile'
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'tlsAllowInsecure'
  | 'authToken'
  | 'tlsCa'
  | 'tlsCert'
  | 'tlsKey'
  | 'tlsHostnameVerification'
  | 'authTokenFile'
  | 'authTokenSupplier'
  | 'oauth2IssuerUrl'
  | 'oauth2CredentialsFile'
  | 'oauth2Audience'
  | 'oauth2Scope'
> {
  /** http(s)://host:port of the broker's REST API; default CORTADO_ADMIN_URL or http://127.0.0.1:8080 */
  adminUrl?: string;
}

/** The parts of a topic's stats most callers read; the broker sends many more fields. */
export interface TopicStats {
  msgInCounter: number;
  bytesInCounter: number;
  msgOutCounter: number;
  msgRateIn: number;
  msgRateOut: number;
  publishers: Array<{ producerName?: string; clientVersion?: string; [k: string]: unknown }>;
  subscriptions: Record<string, { msgBacklog: number; type: string; consumers: unknown[]; [k: string]: unknown }>;
  [k: string]: unknown;
}

export interface PartitionedTopicStats extends TopicStats {
  metadata: { partitions: number };
  /** per partition, keyed by the partition's full name; empty unless perPartition */
  partitions: Record<string, TopicStats>;
}

/** A topic name as the REST API spells it: persistent/tenant/namespace/local (the local part URL-encoded). */
export function topicPath(topic: string): string {
  const full = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(topic);
  const parts = full
    ? full.slice(1)
    : topic.split('/').length === 3
      ? ['persistent', ...topic.split('/')]
      : ['persistent', 'public', 'default', topic];
  if (parts.some((p) => p.length === 0) || parts.length !== 4 || parts[3].includes('/')) {
    throw new InvalidArgumentError(
      `topic ${JSON.stringify(topic)} is not a topic name; expected persistent://tenant/namespace/topic, tenant/namespace/topic or topic`,
    );
  }
  return `${parts[0]}/${encodeURIComponent(parts[1])}/${encodeURIComponent(parts[2])}/${encodeURIComponent(parts[3])}`;
}

function namespacePath(namespace: string): string {
  const parts = namespace.split('/');
  if (parts.length !== 2 || parts.some((p) => p.length === 0)) {
    throw new InvalidArgumentError(`namespace ${JSON.stringify(namespace)} is not of the form tenant/namespace`);
  }
  return parts.map(encodeURIComponent).join('/');
}

function checkCount(partitions: unknown): number {
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) {
    throw new InvalidArgumentError(`partitions = ${String(partitions)} is not allowed: expected an integer of at least 1`);
  }
  return partitions;
}

/**
 * A small client of the broker's admin REST API (v2): topics, partitions and stats. Reads the
 * same environment as the producer and consumer; one keep-alive agent per Admin, closed by close().
 */
export class Admin {
  private readonly base: URL;
  private readonly agent: http.Agent;
  /** token-style credentials (token, token file, supplier, OAuth2), asked for on every call so rotation is seen */
  private readonly auth?: AuthProvider;
  private readonly timeoutMs: number;

  constructor(options: AdminOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    const cfg = parseOptions(adminShape, options as Record<string, unknown>, env);
    this.base = parseAdminUrl(cfg.adminUrl);
    const tls = this.base.protocol === 'https:';
    this.agent = tls ? new https.Agent({ keepAlive: true, ...tlsOptionsOf(cfg) }) : new http.Agent({ keepAlive: true });
    const auth = authProviderOf(cfg);
    // a client certificate authenticates in the TLS handshake itself
    if (auth && auth.methodName !== 'tls') this.auth = auth;
    this.timeoutMs = cfg.operationTimeoutMs;
  }

  /** The REST API's base URL in use. */
  get adminUrl(): string {
    return this.base.origin;
  }

  async createPartitionedTopic(topic: string, partitions: number): Promise<void> {
    await this.call('PUT', `/admin/v2/${topicPath(topic)}/partitions`, checkCount(partitions));
  }

  async createTopic(topic: string): Promise<void> {
    await this.call('PUT', `/admin/v2/${topicPath(topic)}`);
  }

  /** Grows a partitioned topic to `partitions` (Pulsar never shrinks one). */
  async updatePartitions(topic: string, partitions: number): Promise<void> {
    await this.call('POST', `/admin/v2/${topicPath(topic)}/partitions`, checkCount(partitions));
  }

  /** The partition count; 0 for a topic that is not partitioned. */
  async partitionCount(topic: string): Promise<number> {
    return ((await this.call('GET', `/admin/v2/${topicPath(topic)}/partitions`)) as { partitions: number }).partitions;
  }

  /** The full names of a partitioned topic's partitions, `<topic>-partition-<i>`; [] for a topic that is not partitioned. */
  async listPartitions(topic: string): Promise<string[]> {
    const n = await this.partitionCount(topic);
    const [domain, tenant, ns, local] = topicPath(topic).split('/').map(decodeURIComponent);
    return Array.from({ length: n }, (_, i) => `${domain}://${tenant}/${ns}/${local}-partition-${i}`);
  }

  /** Every persistent topic of a namespace (partitions of partitioned topics listed one by one). */
  async listTopics(namespace = 'public/default'): Promise<string[]> {
    return (await this.call('GET', `/admin/v2/persistent/${namespacePath(namespace)}`)) as string[];
  }

  /** The partitioned topics of a namespace, by their base names. */
  async listPartitionedTopics(namespace = 'public/default'): Promise<string[]> {
    return (await this.call('GET', `/admin/v2/persistent/${namespacePath(namespace)}/partitioned`)) as string[];
  }

  /** Deletes a topic, partitioned or not; `force` also closes its producers and consumers. */
  async deleteTopic(topic: string, options: { force?: boolean } = {}): Promise<void> {
    const partitioned = (await this.partitionCount(topic)) > 0;
    await this.call('DELETE', `/admin/v2/${topicPath(topic)}${partitioned ? '/partitions' : ''}?force=${options.force === true}`);
  }

  async topicStats(topic: string): Promise<TopicStats> {
    return this.call('GET', `/admin/v2/${topicPath(topic)}/stats`) as Promise<TopicStats>;
  }

  async partitionedStats(topic: string, options: { perPartition?: boolean } = {}): Promise<PartitionedTopicStats> {
    const per = options.perPartition !== false;
    return this.call('GET', `/admin/v2/${topicPath(topic)}/partitioned-stats?perPartition=${per}`) as Promise<PartitionedTopicStats>;
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (this.auth) headers.authorization = `Bearer ${Buffer.from(await this.auth.data()).toString('utf8')}`;
    return this.send(method, path, headers, body);
  }

  private send(method: string, path: string, headers: Record<string, string | number>, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const what = `${method} ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method,
          agent: this.agent,
          headers: payload ? { ...headers, 'content-type': 'application/json', 'content-length': payload.length } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new ConnectionError(`admin ${what}: ${err.message}`, { cause: err })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve(text ? JSON.parse(text) : undefined);
              } catch {
                reject(
                  new AdminError(`admin ${what}: the broker answered ${status} with a body that is not JSON`, status, text.slice(0, 200)),
                );
              }
              return;
            }
            reject(statusError(what, status, reasonOf(text)));
          });
        },
      );
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new TimeoutError(`admin ${what}: no answer within ${this.timeoutMs} ms (operationTimeoutMs)`)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof TimeoutError ? err : new ConnectionError(`admin ${what} to ${this.base.origin}: ${err.message}`, { cause: err }),
        ),
      );
      req.end(payload);
    });
  }
}

function parseAdminUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || (parsed.pathname !== '/' && parsed.pathname !== '')) {
    throw new ConfigError(
      `${envNameOf('adminUrl')} (option adminUrl) = ${JSON.stringify(url)} is not allowed: expected http://host:port or https://host:port`,
      'adminUrl',
      envNameOf('adminUrl'),
      url,
    );
  }
  return parsed;
}

// The broker answers errors as {"reason": "..."}; anything else is shown as it came.
function reasonOf(text: string): string {
  try {
    const reason = (JSON.parse(text) as { reason?: unknown }).reason;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

function statusError(what: string, status: number, reason: string): Error {
  const message = `admin ${what}: the broker answered ${status}${reason ? `: ${reason}` : ''}`;
  if (status === 401) return new AuthenticationError(`${message} (check CORTADO_AUTH_TOKEN / authToken)`);
  if (status === 403) return new AuthorizationError(`${message} (the role lacks the permission for this call)`);
  if (status === 404 || status === 409) return new AdminTopicError(message, status, reason);
  return new AdminError(message, status, reason);
}

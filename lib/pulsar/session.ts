import { tlsOptionsOf } from '../auth';
import type { ClientConfig } from '../core/config';
import { authProviderOf } from './auth-method';
import { ConnectionOptions } from './connection';
import { ConnectionPool } from './connection-pool';
import { createLog, Log } from '../core/logger';
import { LookupService } from './lookup-service';
import { parseServiceUrl } from './service-url';

export const CLIENT_VERSION = 'cortado-0.1.0';
export type { ClientConfig };

/** The network side a producer or consumer stands on: its connection pool and lookup service. */
export interface ClientCore {
  pool: ConnectionPool;
  lookup: LookupService;
  /** the client's log (silent by default), for the façade and its handlers */
  log: Log;
}

export function createClientCore(cfg: ClientConfig & { listenerName?: string }): ClientCore {
  const addresses = parseServiceUrl(cfg.url);
  const log = createLog(cfg.logger, cfg.logLevel);
  const options: ConnectionOptions = {
    connectTimeoutMs: cfg.connectionTimeoutMs,
    operationTimeoutMs: cfg.operationTimeoutMs,
    keepAliveIntervalMs: cfg.keepAliveIntervalMs,
    clientVersion: CLIENT_VERSION,
    tls: addresses.some((a) => a.tls) ? tlsOptionsOf(cfg) : undefined,
    auth: authProviderOf(cfg),
    log,
  };
  const pool = new ConnectionPool(options);
  return { pool, lookup: new LookupService(pool, addresses, { listenerName: cfg.listenerName, log }), log };
}

/** The Pulsar topic of partition i of a partitioned topic. */
export function partitionTopicName(topic: string, partition: number, partitioned: boolean): string {
  return partitioned ? `${topic}-partition-${partition}` : topic;
}

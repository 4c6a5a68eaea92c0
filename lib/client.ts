import * as fs from 'fs';
import type * as tls from 'tls';
import { ConnectionOptions } from './connection';
import { ConnectionPool } from './connection-pool';
import { LookupService } from './lookup-service';
import { parseServiceUrl } from './service-url';

export const CLIENT_VERSION = 'cortado-0.1.0';

/** The knobs every client shares (see clientShape in config). */
export interface ClientConfig {
  url: string;
  connectionTimeoutMs: number;
  operationTimeoutMs: number;
  keepAliveIntervalMs: number;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsAllowInsecure: boolean;
  authToken?: string;
}

/** The network side a producer or consumer stands on: its connection pool and lookup service. */
export interface ClientCore {
  pool: ConnectionPool;
  lookup: LookupService;
}

/** The TLS settings every client and the Admin share: CA, client certificate and key read from their files. */
export function tlsOptionsOf(cfg: Pick<ClientConfig, 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsAllowInsecure'>): tls.ConnectionOptions {
  return {
    ca: cfg.tlsCaFile ? fs.readFileSync(cfg.tlsCaFile) : undefined,
    cert: cfg.tlsCertFile ? fs.readFileSync(cfg.tlsCertFile) : undefined,
    key: cfg.tlsKeyFile ? fs.readFileSync(cfg.tlsKeyFile) : undefined,
    rejectUnauthorized: !cfg.tlsAllowInsecure,
  };
}

export function createClientCore(cfg: ClientConfig): ClientCore {
  const addresses = parseServiceUrl(cfg.url);
  const tlsOptions = tlsOptionsOf(cfg);
  const token = cfg.authToken;
  const options: ConnectionOptions = {
    connectTimeoutMs: cfg.connectionTimeoutMs,
    operationTimeoutMs: cfg.operationTimeoutMs,
    keepAliveIntervalMs: cfg.keepAliveIntervalMs,
    clientVersion: CLIENT_VERSION,
    tls: tlsOptions,
    auth: token ? { methodName: 'token', data: () => Buffer.from(token, 'utf8') } : undefined,
  };
  const pool = new ConnectionPool(options);
  return { pool, lookup: new LookupService(pool, addresses) };
}

/** The Pulsar topic of partition i of a partitioned topic. */
export function partitionTopicName(topic: string, partition: number, partitioned: boolean): string {
  return partitioned ? `${topic}-partition-${partition}` : topic;
}

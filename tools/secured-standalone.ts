import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureDistribution } from './distribution';
import { createPki, Pki, signJwt } from './pki';
import { httpOk, startPulsarProcess, waitReady, writeConf } from './pulsar-process';
import { freePorts } from './pulsar-standalone';

// A secured Pulsar standalone: TLS port beside the plain one, the token and TLS authentication
// providers, authorization on and a short authentication refresh check. Keys and certificates
// are made at start.

export interface SecuredBroker {
  /** plain port: authentication still required */
  serviceUrl: string;
  serviceUrlTls: string;
  adminUrl: string;
  pki: Pki;
  dir: string;
  /** how often the broker re-checks credentials on open connections */
  refreshCheckSeconds: number;
  /** an RS256 token the broker trusts, for `role` (sub) */
  token(role: string, expiresInSec?: number, claims?: Record<string, unknown>): string;
  /** an admin REST call as the super-user */
  admin(method: string, urlPath: string, body?: unknown): Promise<Response>;
  /** lets `role` produce and consume in public/default */
  grant(role: string): Promise<void>;
  startSeconds: number;
  stop(): Promise<void>;
}

export const SUPER_USER = 'admin';

export async function startSecuredBroker(
  opts: { refreshCheckSeconds?: number; log?: (l: string) => void; timeoutMs?: number } = {},
): Promise<SecuredBroker> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[secured] ${l}\n`));
  const home = ensureDistribution(log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-secured-'));
  const t0 = Date.now();
  const pki = createPki(path.join(dir, 'pki'));
  const token = (role: string, expiresInSec?: number, claims: Record<string, unknown> = {}) =>
    signJwt(pki.jwtPrivateKey, { sub: role, ...claims }, expiresInSec);
  const adminToken = token(SUPER_USER);
  const adminTokenFile = path.join(dir, 'admin.jwt');
  fs.writeFileSync(adminTokenFile, adminToken);
  const [port, tlsPort, webPort] = await freePorts(3);
  const refreshCheckSeconds = opts.refreshCheckSeconds ?? 2;
  const sdir = path.join(dir, 'standalone');
  fs.mkdirSync(sdir, { recursive: true });
  const conf = writeConf(home, 'standalone.conf', path.join(sdir, 'standalone.conf'), {
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    brokerServicePort: port,
    brokerServicePortTls: tlsPort,
    webServicePort: webPort,
    managedLedgerDefaultEnsembleSize: 1,
    managedLedgerDefaultWriteQuorum: 1,
    managedLedgerDefaultAckQuorum: 1,
    journalSyncData: false,
    transactionCoordinatorEnabled: false,
    tlsCertificateFilePath: pki.serverCert,
    tlsKeyFilePath: pki.serverKey,
    tlsTrustCertsFilePath: pki.caCert,
    authenticationEnabled: true,
    authenticationProviders:
      'org.apache.pulsar.broker.authentication.AuthenticationProviderToken,org.apache.pulsar.broker.authentication.AuthenticationProviderTls',
    tokenSecretKey: '',
    // the broker loads a DER public key; tokens and the OAuth2 test issuer sign with its private half
    tokenPublicKey: `file://${pki.jwtPublicKeyDer}`,
    authorizationEnabled: true,
    superUserRoles: SUPER_USER,
    brokerClientAuthenticationPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
    brokerClientAuthenticationParameters: `file://${adminTokenFile}`,
    authenticationRefreshCheckSeconds: refreshCheckSeconds,
  });
  const p = startPulsarProcess({
    home,
    name: 'secured-standalone',
    args: [
      'standalone',
      '--no-functions-worker',
      '--no-stream-storage',
      '--wipe-data',
      '-c',
      conf,
      '--metadata-dir',
      path.join(sdir, 'metadata'),
      '--bookkeeper-dir',
      path.join(sdir, 'bookkeeper'),
    ],
    dir: sdir,
    env: { PULSAR_STANDALONE_CONF: conf },
    mem: '-Xms256m -Xmx640m -XX:MaxDirectMemorySize=512m',
  });
  const adminUrl = `http://127.0.0.1:${webPort}`;
  const headers = { authorization: `Bearer ${adminToken}` };
  const admin = async (method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}${urlPath}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`admin ${method} ${urlPath} answered ${res.status}: ${await res.text()}`);
    return res;
  };
  const stop = async () => {
    await p.stop(10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(
      p,
      () => httpOk(`${adminUrl}/admin/v2/namespaces/public`, 'public/default', { headers }),
      t0 + (opts.timeoutMs ?? 180_000),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startSeconds = (Date.now() - t0) / 1000;
  log(`ready in ${startSeconds.toFixed(1)} s: pulsar://127.0.0.1:${port} pulsar+ssl://127.0.0.1:${tlsPort}`);
  let stopping: Promise<void> | undefined;
  return {
    serviceUrl: `pulsar://127.0.0.1:${port}`,
    serviceUrlTls: `pulsar+ssl://127.0.0.1:${tlsPort}`,
    adminUrl,
    pki,
    dir,
    refreshCheckSeconds,
    token,
    admin,
    grant: async (role) =>
      void (await admin('POST', `/admin/v2/namespaces/public/default/permissions/${encodeURIComponent(role)}`, ['produce', 'consume'])),
    startSeconds,
    stop: () => (stopping ??= stop()),
  };
}

import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { dockerAvailable, startContainer } from './container';
import { distributionUsable, ensureDistribution, PULSAR_VERSION } from './distribution';
import { Group, startGroup } from './process-group';

export { PULSAR_VERSION, ensureDistribution } from './distribution';

export interface PulsarBroker {
  /** pulsar://127.0.0.1:PORT */
  serviceUrl: string;
  /** http://127.0.0.1:PORT */
  adminUrl: string;
  /** the unpacked distribution, for bin/pulsar-client; undefined when no Java can run here */
  home: string | undefined;
  via: 'distribution' | 'testcontainers' | 'external';
  stop(): Promise<void>;
}

export interface StartOptions {
  /** readiness deadline; default CORTADO_BROKER_START_TIMEOUT_MS or 180 s */
  timeoutMs?: number;
  /** 'auto' (default) takes Docker when it answers, else the distribution */
  runtime?: 'auto' | 'distribution' | 'testcontainers';
  /** extra standalone.conf settings, distribution path only */
  config?: Record<string, string | number | boolean>;
  /** progress lines; default stderr with a [pulsar] prefix */
  log?: (line: string) => void;
}

export const stderrLog = (line: string) => process.stderr.write(`[pulsar] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Settings for a small single-node broker on loopback; ports are filled in per start.
const BASE_CONFIG: Record<string, string | number | boolean> = {
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  managedLedgerDefaultEnsembleSize: 1,
  managedLedgerDefaultWriteQuorum: 1,
  managedLedgerDefaultAckQuorum: 1,
  allowAutoTopicCreation: true,
  brokerDeleteInactiveTopicsEnabled: false,
  journalSyncData: false,
  diskUsageThreshold: 0.99,
  transactionCoordinatorEnabled: false,
  // by default the broker may deliver delayed messages up to one tick early
  isDelayedDeliveryDeliverAtTimeStrict: true,
  // keeps which messages of a batch were acknowledged (consumers' batchIndexAckEnabled)
  acknowledgmentAtBatchIndexLevelEnabled: true,
};

/** Distinct free loopback ports: all are held open together, so none is handed out twice. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.on('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function isReady(adminUrl: string): Promise<boolean> {
  try {
    const c = await fetch(`${adminUrl}/admin/v2/clusters`, { signal: AbortSignal.timeout(2000) });
    if (!c.ok || !((await c.json()) as string[]).includes('standalone')) return false;
    const ns = await fetch(`${adminUrl}/admin/v2/namespaces/public`, { signal: AbortSignal.timeout(2000) });
    return ns.ok && ((await ns.json()) as string[]).includes('public/default');
  } catch {
    return false;
  }
}

export function tail(file: string, lines = 60): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function startTimeout(o: StartOptions): number {
  return o.timeoutMs ?? Number(process.env.CORTADO_BROKER_START_TIMEOUT_MS || 180_000);
}

/**
 * A running Pulsar 4.0.8 standalone: the broker named by CORTADO_TEST_URL + CORTADO_TEST_ADMIN_URL
 * if both are set, else a container where Docker answers, else the Maven Central distribution.
 */
export async function startPulsar(opts: StartOptions = {}): Promise<PulsarBroker> {
  const log = opts.log ?? stderrLog;
  const url = process.env.CORTADO_TEST_URL;
  const admin = process.env.CORTADO_TEST_ADMIN_URL;
  if (url && admin) {
    log(`using the existing broker at ${url} (CORTADO_TEST_URL)`);
    return { serviceUrl: url, adminUrl: admin, home: process.env.CORTADO_PULSAR_HOME, via: 'external', stop: async () => undefined };
  }
  const runtime = opts.runtime ?? 'auto';
  if (runtime === 'testcontainers' || (runtime === 'auto' && (await dockerAvailable()))) {
    log(`a Docker engine answers: starting apachepulsar/pulsar:${PULSAR_VERSION} with testcontainers`);
    const c = await startContainer(startTimeout(opts));
    return { ...c, home: javaClientHome(log), via: 'testcontainers' };
  }
  return startDistribution(opts, log);
}

/** The distribution for the Java client on the container path, when Java is here; else undefined. */
function javaClientHome(log: (line: string) => void): string | undefined {
  try {
    return distributionUsable() ? ensureDistribution(log) : undefined;
  } catch (e) {
    log(`no Java client for interop checks: ${(e as Error).message}`);
    return undefined;
  }
}

/** Where one standalone lives: its config, data and log under `work`, its ports fixed for its life. */
export interface StandaloneLayout {
  /** the directory bin/pulsar runs from (the distribution, or a private view of it) */
  home: string;
  work: string;
  conf: string;
  logFile: string;
  brokerPort: number;
  webPort: number;
  bookiePort: number;
  serviceUrl: string;
  adminUrl: string;
  env: NodeJS.ProcessEnv;
}

/** Writes the config of a standalone on fresh loopback ports into a new scratch dir. */
export async function layoutStandalone(
  distribution: string,
  opts: StartOptions,
  extra: {
    home?: (work: string) => string;
    config?: (ports: number[]) => Record<string, string | number | boolean>;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<StandaloneLayout> {
  const ports = await freePorts(4);
  const [brokerPort, webPort, bookiePort] = ports;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-pulsar-'));
  const conf = path.join(work, 'standalone.conf');
  const settings = { ...BASE_CONFIG, brokerServicePort: brokerPort, webServicePort: webPort, ...extra.config?.(ports), ...opts.config };
  // later keys win in a properties file; the stock file may end without a newline
  const stock = fs.readFileSync(path.join(distribution, 'conf', 'standalone.conf'), 'utf8');
  fs.writeFileSync(
    conf,
    `${stock}\n${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  return {
    home: extra.home?.(work) ?? distribution,
    work,
    conf,
    logFile: path.join(work, 'pulsar.log'),
    brokerPort,
    webPort,
    bookiePort,
    serviceUrl: `pulsar://127.0.0.1:${brokerPort}`,
    adminUrl: `http://127.0.0.1:${webPort}`,
    env: {
      ...process.env,
      PULSAR_STANDALONE_CONF: conf,
      PULSAR_MEM: process.env.PULSAR_MEM ?? '-Xms512m -Xmx1g -XX:MaxDirectMemorySize=1g',
      PULSAR_GC: process.env.PULSAR_GC ?? '-XX:+UseG1GC',
      PULSAR_LOG_DIR: work,
      ...extra.env,
    },
  };
}

/** Starts bin/pulsar standalone on a layout; `wipe` starts from empty data dirs, else from what is there. */
export function launchStandalone(l: StandaloneLayout, wipe: boolean): Group {
  return startGroup(
    path.join(l.home, 'bin', 'pulsar'),
    [
      'standalone',
      '--no-functions-worker',
      '--no-stream-storage',
      ...(wipe ? ['--wipe-data'] : []),
      '-c',
      l.conf,
      '--metadata-dir',
      path.join(l.work, 'metadata'),
      '--bookkeeper-dir',
      path.join(l.work, 'bookkeeper'),
      '--bookkeeper-port',
      String(l.bookiePort),
    ],
    { cwd: l.home, logFile: l.logFile, scratchDir: l.work, env: l.env },
  );
}

/** Waits until the admin API answers; on exit or deadline stops the group and throws with the log's tail. */
export async function awaitReady(l: StandaloneLayout, group: Group, opts: StartOptions, t0 = Date.now()): Promise<void> {
  const deadline = t0 + startTimeout(opts);
  while (!(await isReady(l.adminUrl))) {
    const code = group.exitCode();
    if (code !== undefined || Date.now() > deadline) {
      const why = code !== undefined ? `exited (code ${code})` : `was not ready after ${Math.round((Date.now() - t0) / 1000)} s`;
      const lines = tail(l.logFile);
      await group.stop(0);
      throw new Error(`Pulsar standalone ${why}; last lines of its log:\n${lines}`);
    }
    await sleep(500);
  }
}

async function startDistribution(opts: StartOptions, log: (line: string) => void): Promise<PulsarBroker> {
  const home = ensureDistribution(log);
  log(`no Docker engine: starting the Pulsar ${PULSAR_VERSION} distribution from ${home}`);
  const l = await layoutStandalone(home, opts);
  const t0 = Date.now();
  const group = launchStandalone(l, true);
  await awaitReady(l, group, opts, t0);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${l.serviceUrl} ${l.adminUrl} (log ${l.logFile})`);
  let stopping: Promise<void> | undefined;
  return { serviceUrl: l.serviceUrl, adminUrl: l.adminUrl, home, via: 'distribution', stop: () => (stopping ??= group.stop()) };
}

import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The Pulsar release the tests, demo and bench run against. */
export const PULSAR_VERSION = '4.0.8';

export interface PulsarBroker {
  serviceUrl: string;
  adminUrl: string;
  /** the unpacked distribution (for bin/pulsar-client); undefined when running in a container */
  home?: string;
  via: 'distribution' | 'testcontainers' | 'external';
  stop(): Promise<void>;
}

const cacheDir = () => process.env.CORTADO_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'cortado');
const log = (msg: string) => process.stderr.write(`[pulsar] ${msg}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The unpacked server distribution, fetched from Maven Central with mvn and unpacked once. */
export function ensureDistribution(): string {
  const home = path.join(cacheDir(), `apache-pulsar-${PULSAR_VERSION}`);
  if (fs.existsSync(path.join(home, 'bin', 'pulsar'))) return home;
  const m2 = process.env.MAVEN_REPO ?? path.join(os.homedir(), '.m2', 'repository');
  const tarball = path.join(m2, 'org/apache/pulsar/pulsar-server-distribution', PULSAR_VERSION, `pulsar-server-distribution-${PULSAR_VERSION}-bin.tar.gz`);
  if (!fs.existsSync(tarball)) {
    log(`fetching pulsar-server-distribution ${PULSAR_VERSION} from Maven Central with mvn`);
    execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=org.apache.pulsar:pulsar-server-distribution:${PULSAR_VERSION}:tar.gz:bin`, '-Dtransitive=false'], { stdio: 'inherit' });
  }
  fs.mkdirSync(cacheDir(), { recursive: true });
  // unpack beside the target and rename, so an interrupted unpack is never taken for a good one
  const tmp = fs.mkdtempSync(path.join(cacheDir(), 'unpack-'));
  execFileSync('tar', ['xzf', tarball, '-C', tmp]);
  fs.renameSync(path.join(tmp, `apache-pulsar-${PULSAR_VERSION}`), home);
  fs.rmSync(tmp, { recursive: true, force: true });
  return home;
}

function hasJavaAndMaven(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    execFileSync('mvn', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function dockerAvailable(): Promise<boolean> {
  if (process.env.CORTADO_NO_DOCKER) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function ready(adminUrl: string): Promise<boolean> {
  try {
    const c = await fetch(`${adminUrl}/admin/v2/clusters`, { signal: AbortSignal.timeout(2000) });
    if (!c.ok || !(await c.text()).includes('standalone')) return false;
    const ns = await fetch(`${adminUrl}/admin/v2/namespaces/public`, { signal: AbortSignal.timeout(2000) });
    return ns.ok && (await ns.text()).includes('public/default');
  } catch {
    return false;
  }
}

function tail(file: string, lines = 60): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a Pulsar standalone on free loopback ports (or uses CORTADO_TEST_URL/CORTADO_TEST_ADMIN_URL). */
export async function startPulsar(): Promise<PulsarBroker> {
  const extUrl = process.env.CORTADO_TEST_URL;
  const extAdmin = process.env.CORTADO_TEST_ADMIN_URL;
  if (extUrl && extAdmin) {
    log(`using the broker at ${extUrl}`);
    return { serviceUrl: extUrl, adminUrl: extAdmin, home: process.env.CORTADO_PULSAR_HOME, via: 'external', stop: async () => undefined };
  }
  if (await dockerAvailable()) return startContainer();
  return startDistribution();
}

async function startContainer(): Promise<PulsarBroker> {
  log(`a Docker engine answers: starting apachepulsar/pulsar:${PULSAR_VERSION} with testcontainers`);
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer(`apachepulsar/pulsar:${PULSAR_VERSION}`)
    .withCommand(['bin/pulsar', 'standalone', '--no-functions-worker', '-nss'])
    .withExposedPorts(6650, 8080)
    .withWaitStrategy(Wait.forHttp('/admin/v2/namespaces/public', 8080).forResponsePredicate((b) => b.includes('public/default')))
    .withStartupTimeout(240_000)
    .start();
  const host = c.getHost();
  return {
    serviceUrl: `pulsar://${host}:${c.getMappedPort(6650)}`,
    adminUrl: `http://${host}:${c.getMappedPort(8080)}`,
    // the Java client for interop checks comes from the distribution, when Java and Maven are here
    home: hasJavaAndMaven() ? ensureDistribution() : undefined,
    via: 'testcontainers',
    stop: async () => {
      await c.stop();
    },
  };
}

async function startDistribution(): Promise<PulsarBroker> {
  const home = ensureDistribution();
  log(`no Docker engine: starting the Maven Central distribution at ${home}`);
  const [brokerPort, webPort] = [await freePort(), await freePort()];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-pulsar-'));
  const conf = path.join(work, 'standalone.conf');
  const overrides = {
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    brokerServicePort: brokerPort,
    webServicePort: webPort,
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
  };
  // the stock file ends without a newline: start ours on a fresh line
  fs.writeFileSync(conf, fs.readFileSync(path.join(home, 'conf', 'standalone.conf'), 'utf8') + '\n' + Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const logFile = path.join(work, 'pulsar.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    path.join(home, 'bin', 'pulsar'),
    ['standalone', '--no-functions-worker', '--no-stream-storage', '-c', conf, '--metadata-dir', path.join(work, 'metadata'), '--bookkeeper-dir', path.join(work, 'bookkeeper'), '--bookkeeper-port', '0', '--wipe-data'],
    {
      cwd: home,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        PULSAR_MEM: process.env.PULSAR_MEM ?? '-Xms512m -Xmx1g -XX:MaxDirectMemorySize=1g',
        PULSAR_GC: process.env.PULSAR_GC ?? '-XX:+UseG1GC',
        PULSAR_LOG_DIR: work,
      },
    },
  );
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  // never leave a broker behind when the test process ends, however it ends
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);
  const onSignal = (sig: NodeJS.Signals) => {
    killGroup('SIGKILL');
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const adminUrl = `http://127.0.0.1:${webPort}`;
  const deadline = Date.now() + Number(process.env.CORTADO_BROKER_START_TIMEOUT_MS ?? 180_000);
  const t0 = Date.now();
  while (!(await ready(adminUrl))) {
    if (exited !== undefined || Date.now() > deadline) {
      killGroup('SIGKILL');
      const why = exited !== undefined ? `exited with code ${exited}` : 'did not become ready in time';
      throw new Error(`Pulsar standalone ${why}; last lines of ${logFile}:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: pulsar://127.0.0.1:${brokerPort}, ${adminUrl}`);
  return {
    serviceUrl: `pulsar://127.0.0.1:${brokerPort}`,
    adminUrl,
    home,
    via: 'distribution',
    stop: async () => {
      process.removeListener('exit', onExit);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (exited === undefined) {
        killGroup('SIGTERM');
        const t = Date.now();
        while (exited === undefined && Date.now() - t < 15_000) await new Promise((r) => setTimeout(r, 200));
        if (exited === undefined) killGroup('SIGKILL');
      }
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

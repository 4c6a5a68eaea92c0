import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureDistribution } from './distribution';
import { createPki, Pki } from './pki';
import { httpOk, PulsarProcess, Settings, startPulsarProcess, waitExit, waitReady, writeConf } from './pulsar-process';
import { freePorts } from './pulsar-standalone';

// A real Pulsar cluster from the distribution on 127.0.0.1: ZooKeeper, one bookie, two brokers and
// one proxy, each its own JVM with a small heap and its own ports. Brokers and proxy also listen
// with TLS (certificates made at start), so pulsar+ssl:// is tested against the same processes,
// and each broker advertises a second listener, `external`, on a port of its own.

export const CLUSTER_NAME = 'cortado';

export interface ClusterBroker {
  /** the broker id the admin API uses: 127.0.0.1:<webPort> */
  id: string;
  serviceUrl: string;
  serviceUrlTls: string;
  /** the address advertised to the `external` listener only */
  externalUrl: string;
  adminUrl: string;
  process: PulsarProcess;
  /** SIGKILL: the broker vanishes without handing its bundles over */
  kill(): void;
}

export interface PulsarCluster {
  brokers: ClusterBroker[];
  /** every broker's pulsar:// address in one service URL */
  serviceUrl: string;
  proxyUrl: string;
  proxyUrlTls: string;
  proxyAdminUrl: string;
  pki: Pki;
  dir: string;
  /** seconds from the first process to the last one ready */
  startSeconds: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** readiness deadline for the whole cluster; default CORTADO_CLUSTER_START_TIMEOUT_MS or 240 s */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** extra broker.conf settings for both brokers */
  brokerConfig?: Settings;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<PulsarCluster> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[cluster] ${l}\n`));
  const home = ensureDistribution(log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-cluster-'));
  const t0 = Date.now();
  const deadline = t0 + (opts.timeoutMs ?? Number(process.env.CORTADO_CLUSTER_START_TIMEOUT_MS || 240_000));
  const pki = createPki(path.join(dir, 'pki'));
  const [zkPort, zkAdmin, zkMetrics, bkPort, bkHttp, bkMetrics, pxPort, pxTls, pxWeb, ...bp] = await freePorts(9 + 8);
  const brokerPorts = [0, 1].map((i) => ({ service: bp[i * 4], tls: bp[i * 4 + 1], web: bp[i * 4 + 2], external: bp[i * 4 + 3] }));
  const zk = `127.0.0.1:${zkPort}`;
  const metadata = { metadataStoreUrl: `zk:${zk}`, configurationMetadataStoreUrl: `zk:${zk}` };
  const tlsFiles = { tlsCertificateFilePath: pki.serverCert, tlsKeyFilePath: pki.serverKey, tlsTrustCertsFilePath: pki.caCert };
  const all: PulsarProcess[] = [];
  const start = (name: string, args: string[], confVar: string, stock: string, settings: Settings, mem: string) => {
    const pdir = path.join(dir, name);
    fs.mkdirSync(pdir, { recursive: true });
    const conf = writeConf(home, stock, path.join(pdir, stock), settings);
    const p = startPulsarProcess({ home, name, args, dir: pdir, env: { [confVar]: conf }, mem });
    all.push(p);
    return p;
  };
  const stopAll = async () => {
    // reverse order: proxy and brokers first, ZooKeeper last
    for (const p of [...all].reverse()) await p.stop(10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const zkp = start(
      'zookeeper',
      ['zookeeper'],
      'PULSAR_ZK_CONF',
      'zookeeper.conf',
      {
        dataDir: path.join(dir, 'zookeeper', 'data'),
        clientPort: zkPort,
        clientPortAddress: '127.0.0.1',
        'admin.serverAddress': '127.0.0.1',
        'admin.serverPort': zkAdmin,
        'metricsProvider.httpPort': zkMetrics,
      },
      '-Xms64m -Xmx128m -XX:MaxDirectMemorySize=64m',
    );
    const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const webUrls = brokerPorts.map((b) => `127.0.0.1:${b.web}`).join(',');
    const initialize = (attempt: number) => {
      const p = startPulsarProcess({
        home,
        name: 'initialize-cluster-metadata',
        args: [
          'initialize-cluster-metadata',
          '--cluster',
          CLUSTER_NAME,
          '--metadata-store',
          `zk:${zk}`,
          '--configuration-metadata-store',
          `zk:${zk}`,
          '--web-service-url',
          `http://${webUrls}`,
          '--web-service-url-tls',
          `https://${webUrls}`,
          '--broker-service-url',
          `pulsar://${brokerPorts.map((b) => `127.0.0.1:${b.service}`).join(',')}`,
          '--broker-service-url-tls',
          `pulsar+ssl://${brokerPorts.map((b) => `127.0.0.1:${b.tls}`).join(',')}`,
        ],
        dir: path.join(dir, `init-${attempt}`),
        env: {},
        mem: '-Xmx128m',
      });
      all.push(p);
      return p;
    };
    // the tool's JVM boots while ZooKeeper does (its client waits for the server); once more if it lost that race
    let init = initialize(1);
    await waitReady(zkp, () => httpOk(`http://127.0.0.1:${zkAdmin}/commands/ruok`), deadline);
    log(`zookeeper ready after ${since()}`);
    try {
      await waitExit(init, deadline);
    } catch (err) {
      log(`initialize-cluster-metadata failed before ZooKeeper was up; running it again (${(err as Error).message.split('\n')[0]})`);
      await init.stop();
      init = initialize(2);
      await waitExit(init, deadline);
    }
    await init.stop();
    log(`cluster metadata initialised after ${since()}`);
    const bookie = start(
      'bookie',
      ['bookie'],
      'PULSAR_BOOKKEEPER_CONF',
      'bookkeeper.conf',
      {
        bookiePort: bkPort,
        advertisedAddress: '127.0.0.1',
        allowLoopback: true,
        journalDirectory: path.join(dir, 'bookie', 'journal'),
        ledgerDirectories: path.join(dir, 'bookie', 'ledgers'),
        metadataServiceUri: `metadata-store:zk:${zk}`,
        zkServers: zk,
        prometheusStatsHttpPort: bkMetrics,
        httpServerEnabled: true,
        httpServerPort: bkHttp,
        journalSyncData: false,
      },
      '-Xms128m -Xmx256m -XX:MaxDirectMemorySize=256m',
    );
    const brokers = brokerPorts.map((b, i) => {
      const p = start(
        `broker${i + 1}`,
        ['broker'],
        'PULSAR_BROKER_CONF',
        'broker.conf',
        {
          ...metadata,
          ...tlsFiles,
          clusterName: CLUSTER_NAME,
          brokerServicePort: b.service,
          brokerServicePortTls: b.tls,
          webServicePort: b.web,
          // a second listener for clients that ask for it by name (listenerName=external)
          advertisedListeners: `internal:pulsar://127.0.0.1:${b.service},internal:pulsar+ssl://127.0.0.1:${b.tls},external:pulsar://127.0.0.1:${b.external}`,
          internalListenerName: 'internal',
          bindAddresses: `external:pulsar://127.0.0.1:${b.external}`,
          bindAddress: '127.0.0.1',
          advertisedAddress: '127.0.0.1',
          managedLedgerDefaultEnsembleSize: 1,
          managedLedgerDefaultWriteQuorum: 1,
          managedLedgerDefaultAckQuorum: 1,
          brokerDeleteInactiveTopicsEnabled: false,
          // a killed broker's bundles move after ~10 s instead of 30
          metadataStoreSessionTimeoutMillis: 10_000,
          // ownership changes only when a test asks for one
          loadBalancerSheddingEnabled: false,
          transactionCoordinatorEnabled: false,
          ...opts.brokerConfig,
        },
        '-Xms128m -Xmx512m -XX:MaxDirectMemorySize=256m',
      );
      return {
        id: `127.0.0.1:${b.web}`,
        serviceUrl: `pulsar://127.0.0.1:${b.service}`,
        serviceUrlTls: `pulsar+ssl://127.0.0.1:${b.tls}`,
        externalUrl: `pulsar://127.0.0.1:${b.external}`,
        adminUrl: `http://127.0.0.1:${b.web}`,
        process: p,
        kill: () => p.kill(),
      };
    });
    const proxy = start(
      'proxy',
      ['proxy'],
      'PULSAR_PROXY_CONF',
      'proxy.conf',
      {
        ...metadata,
        ...tlsFiles,
        clusterName: CLUSTER_NAME,
        servicePort: pxPort,
        servicePortTls: pxTls,
        webServicePort: pxWeb,
        bindAddress: '127.0.0.1',
        advertisedAddress: '127.0.0.1',
        brokerProxyAllowedTargetPorts: brokerPorts.flatMap((b) => [b.service, b.tls]).join(','),
      },
      '-Xms128m -Xmx256m -XX:MaxDirectMemorySize=256m',
    );
    await waitReady(bookie, () => httpOk(`http://127.0.0.1:${bkHttp}/api/v1/bookie/is_ready`), deadline);
    log(`bookie ready after ${since()}`);
    for (const b of brokers) {
      await waitReady(b.process, () => httpOk(`${b.adminUrl}/admin/v2/brokers/ready`, 'ok'), deadline);
      log(`${b.process.name} ready after ${since()}`);
    }
    await waitReady(proxy, () => httpOk(`http://127.0.0.1:${pxWeb}/admin/v2/clusters`), deadline);
    const startSeconds = (Date.now() - t0) / 1000;
    log(
      `ready in ${startSeconds.toFixed(1)} s: brokers ${brokers.map((b) => b.serviceUrl).join(' ')}, proxy pulsar://127.0.0.1:${pxPort} (logs under ${dir})`,
    );
    let stopping: Promise<void> | undefined;
    return {
      brokers,
      serviceUrl: `pulsar://${brokerPorts.map((b) => `127.0.0.1:${b.service}`).join(',')}`,
      proxyUrl: `pulsar://127.0.0.1:${pxPort}`,
      proxyUrlTls: `pulsar+ssl://127.0.0.1:${pxTls}`,
      proxyAdminUrl: `http://127.0.0.1:${pxWeb}`,
      pki,
      dir,
      startSeconds,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

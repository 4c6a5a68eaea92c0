import * as fs from 'fs';
import * as path from 'path';
import { createNamespace, setNamespaceDeduplication, setNamespaceRetention, unload } from './admin';
import { ensureDistribution } from './distribution';
import { Group } from './process-group';
import { awaitReady, launchStandalone, layoutStandalone, PulsarBroker, StartOptions, stderrLog } from './pulsar-standalone';

// A standalone for fault runs: it can be SIGKILLed and restarted on the same data dirs and ports,
// frozen with SIGSTOP and thawed with SIGCONT. For kills it runs ZooKeeper metadata, because with
// the default RocksDB metadata a killed standalone sometimes loops on its bookie registration; for
// freezes RocksDB metadata, because a freeze longer than ZooKeeper's session timeout expires the
// in-process bookie's registration and the broker then finds no bookie for a new ledger.

export interface RestartableBroker extends PulsarBroker {
  /** SIGKILL to the broker's process group, as a crash would (data dirs and ports are kept) */
  kill(): Promise<void>;
  /** starts it again on the same data and ports; resolves with the ms until the admin API answered */
  restart(): Promise<number>;
  /** kill() then restart(); resolves with the ms from the kill until the admin API answered */
  crashAndRestart(): Promise<number>;
  /** SIGSTOP: the broker keeps its sockets open but answers nothing */
  pause(): void;
  /** SIGCONT after pause() */
  resume(): void;
  /** unloads a topic; every client reconnects */
  unload(topic: string): Promise<void>;
  /** the broker's log file, for a failure report */
  logFile: string;
}

export interface RestartableOptions extends StartOptions {
  /** namespaces created with infinite retention (default ['public/default']) */
  namespaces?: string[];
  /** namespaces among them with broker deduplication on */
  deduplicated?: string[];
  /** 'zookeeper' (default) survives SIGKILL + restart; 'rocksdb' survives long SIGSTOPs */
  metadata?: 'zookeeper' | 'rocksdb';
}

/**
 * The bin/pulsar script runs from the physical directory above its own: a private bin/ of
 * links makes that a scratch dir, so ZooKeeper's fixed relative data dir is ours alone.
 */
function privateHome(distribution: string, work: string): string {
  const home = path.join(work, 'home');
  fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
  for (const f of fs.readdirSync(path.join(distribution, 'bin')))
    fs.symlinkSync(path.join(distribution, 'bin', f), path.join(home, 'bin', f));
  for (const d of ['conf', 'lib', 'instances']) fs.symlinkSync(path.join(distribution, d), path.join(home, d));
  return home;
}

/** Infinite retention, so a topic without subscription is not trimmed at the ledger rollover each restart makes. */
async function prepareNamespaces(adminUrl: string, o: RestartableOptions): Promise<void> {
  for (const ns of o.namespaces ?? ['public/default']) {
    if (ns !== 'public/default')
      await createNamespace(adminUrl, ns).catch((e: Error) => {
        if (!/409/.test(e.message)) throw e; // already there after a restart
      });
    await setNamespaceRetention(adminUrl, ns, -1, -1);
    if (o.deduplicated?.includes(ns)) await setNamespaceDeduplication(adminUrl, ns, true);
  }
}

/** A fresh restartable standalone from the distribution (never a container: it must be signalled). */
export async function startRestartablePulsar(o: RestartableOptions = {}): Promise<RestartableBroker> {
  const log = o.log ?? stderrLog;
  const distribution = ensureDistribution(log);
  const zk = (o.metadata ?? 'zookeeper') === 'zookeeper';
  const l = await layoutStandalone(distribution, o, {
    home: zk ? (work) => privateHome(distribution, work) : undefined,
    config: (ports) => ({
      // the standalone takes ZooKeeper's port from the metadata URL
      ...(zk ? { metadataStoreUrl: `zk:127.0.0.1:${ports[3]}`, configurationMetadataStoreUrl: `zk:127.0.0.1:${ports[3]}` } : {}),
      // else write timeouts during a freeze quarantine the only bookie for 30 min: no new ledger, no new cursor
      bookkeeperClientHealthCheckEnabled: false,
    }),
    env: zk ? { PULSAR_STANDALONE_USE_ZOOKEEPER: '1' } : {},
  });
  let group: Group | undefined;
  let stopping: Promise<void> | undefined;
  const boot = async (wipe: boolean): Promise<number> => {
    if (stopping) throw new Error('the broker was stopped');
    const t0 = Date.now();
    group = launchStandalone(l, wipe);
    await awaitReady(l, group, o, t0);
    return Date.now() - t0;
  };
  const ms = await boot(true);
  await prepareNamespaces(l.adminUrl, o);
  log(
    `restartable standalone (${zk ? 'ZooKeeper' : 'RocksDB'} metadata) ready in ${(ms / 1000).toFixed(1)} s: ${l.serviceUrl} ${l.adminUrl} (log ${l.logFile})`,
  );
  const broker: RestartableBroker = {
    serviceUrl: l.serviceUrl,
    adminUrl: l.adminUrl,
    home: distribution,
    via: 'distribution',
    logFile: l.logFile,
    stop: () => (stopping ??= group ? group.stop() : Promise.resolve()),
    kill: async () => {
      await group?.crash();
      group = undefined;
    },
    restart: async () => {
      if (group) throw new Error('restart() needs kill() first');
      return boot(false);
    },
    async crashAndRestart() {
      const t0 = Date.now();
      await broker.kill();
      await broker.restart();
      return Date.now() - t0;
    },
    pause: () => void group?.signal('SIGSTOP'),
    resume: () => void group?.signal('SIGCONT'),
    unload: (topic) => unload(l.adminUrl, topic),
  };
  return broker;
}

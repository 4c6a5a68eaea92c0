import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureKafka, KAFKA_VERSION, KafkaDistribution } from './kafka-distribution';
import { probeMetadata } from './kafka-probe';
import { createPki, Pki } from './pki';
import { Group, startGroup } from './process-group';
import { freePorts, tail } from './pulsar-standalone';

export { KAFKA_VERSION } from './kafka-distribution';

// Real Apache Kafka brokers for tests, the demo and the CLI: KRaft nodes (broker and controller in
// one JVM) from the Maven Central jars, on loopback ports, in a fresh temp dir removed on stop.

/** One listener of every node; the URL scheme names the transport (kafka:// or kafka+ssl://), SASL is a credential. */
export interface KafkaListener {
  /** the listener's name in server.properties */
  name: string;
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  url: string;
  hostPorts: string[];
  /** true where the broker requires a client certificate */
  clientAuth: boolean;
}

export interface KafkaListeners {
  plaintext: KafkaListener;
  /** opts.sasl */
  saslPlaintext?: KafkaListener;
  /** opts.tls: server certificate only */
  ssl?: KafkaListener;
  /** opts.tls: a client certificate is required (pki.clientCert / clientKey) */
  mtls?: KafkaListener;
  /** opts.tls and opts.sasl */
  saslSsl?: KafkaListener;
}

/** The one user every SASL mechanism knows (PLAIN from the JAAS line, SCRAM from the format). */
export interface KafkaSaslUser {
  username: string;
  password: string;
  mechanisms: Array<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>;
}

export interface KafkaNode {
  id: number;
  /** 127.0.0.1:PORT of its PLAINTEXT listener */
  hostPort: string;
  port: number;
  controllerPort: number;
  /** server.properties, data/ and kafka.log */
  dir: string;
  logFile: string;
  /** false after kill() until restart() */
  running(): boolean;
}

export interface KafkaBroker {
  /** kafka://127.0.0.1:PORT[,127.0.0.1:PORT...] of the PLAINTEXT listeners */
  bootstrap: string;
  hostPorts: string[];
  nodes: KafkaNode[];
  listeners: KafkaListeners;
  /** set when opts.sasl */
  sasl?: KafkaSaslUser;
  /** set when opts.tls: the CA the brokers' certificates chain to, and a client certificate for mTLS */
  pki?: Pki & { clientPem: string };
  clusterId: string;
  /** the jars and log4j2 files, for Java tools against this broker */
  dist: KafkaDistribution;
  /** the temp dir every node lives in */
  dir: string;
  /** ms from launching the JVMs until every node answered metadata */
  startMs: number;
  stop(): Promise<void>;
  /** SIGKILL to one node, as a crash would; its data stays for restart() */
  kill(nodeId: number): Promise<void>;
  /** stops the node (SIGTERM, unless kill() already did) and starts it on the same data and ports; waits until it serves metadata */
  restart(nodeId: number): Promise<void>;
}

export interface KafkaStartOptions {
  /** 1 (default): one combined node; 3: three combined nodes with a 3-voter quorum, replication 3, min ISR 2 */
  nodes?: 1 | 3;
  /** a SASL_PLAINTEXT listener (and SASL_SSL with tls) with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 */
  sasl?: boolean;
  /** with sasl: OAUTHBEARER too, checked by the broker's default validator of unsecured tokens (alg none; sub, iat, exp) */
  oauthbearer?: boolean;
  /** an SSL listener and an mTLS listener with certificates from tools/pki.ts */
  tls?: boolean;
  /** extra server.properties for every node; wins over the defaults */
  config?: Record<string, string>;
  /** progress lines; default stderr with a [kafka] prefix */
  log?: (line: string) => void;
  /** readiness deadline; default CORTADO_KAFKA_START_TIMEOUT_MS or 90 s */
  timeoutMs?: number;
}

export const kafkaStderrLog = (line: string) => process.stderr.write(`[kafka] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SASL_USER: KafkaSaslUser = { username: 'alice', password: 'alice-secret', mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] };
const FORMAT_TIMEOUT_MS = 60_000;
// a lone node stops cleanly in under a second; a cluster stopping at once waits on its lost quorum, and its data is thrown away
const stopGraceMs = (nodes: number) => (nodes > 1 ? 2_000 : 5_000);
const RESTART_GRACE_MS = 20_000;

type ListenerKey = keyof KafkaListeners;
const LISTENER_SPECS: Array<{
  key: ListenerKey;
  name: string;
  protocol: KafkaListener['protocol'];
  when: (o: KafkaStartOptions) => boolean;
}> = [
  { key: 'plaintext', name: 'PLAINTEXT', protocol: 'PLAINTEXT', when: () => true },
  { key: 'saslPlaintext', name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', when: (o) => !!o.sasl },
  { key: 'ssl', name: 'SSL', protocol: 'SSL', when: (o) => !!o.tls },
  { key: 'mtls', name: 'MTLS', protocol: 'SSL', when: (o) => !!o.tls },
  { key: 'saslSsl', name: 'SASL_SSL', protocol: 'SASL_SSL', when: (o) => !!o.tls && !!o.sasl },
];

/** A cluster id as Kafka makes them: 16 random bytes, base64url, never starting with '-' (a CLI would read an option). */
function newClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Settings for small test nodes; replication follows the node count. */
function baseConfig(n: number): Record<string, string> {
  const rf = String(n);
  const minIsr = n > 1 ? '2' : '1';
  return {
    'process.roles': 'broker,controller',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'auto.create.topics.enable': 'true',
    'num.partitions': '1',
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    // the default 50 partitions make a first consumer group wait long
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
    'share.coordinator.state.topic.num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'num.replica.fetchers': '1',
    // a SIGKILLed node re-registers once its old session expired: short sessions, fast restarts
    'broker.session.timeout.ms': '3000',
    'broker.heartbeat.interval.ms': '1000',
  };
}

function securityConfig(o: KafkaStartOptions, pki: (Pki & { serverPem: string }) | undefined): Record<string, string> {
  const c: Record<string, string> = {};
  if (o.sasl) {
    const mechs = [...SASL_USER.mechanisms, ...(o.oauthbearer ? ['OAUTHBEARER'] : [])].join(',');
    c['sasl.enabled.mechanisms'] = mechs;
    for (const l of ['sasl_plaintext', ...(o.tls ? ['sasl_ssl'] : [])]) {
      c[`listener.name.${l}.sasl.enabled.mechanisms`] = mechs;
      c[`listener.name.${l}.plain.sasl.jaas.config`] =
        `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER.username}="${SASL_USER.password}";`;
      for (const m of ['scram-sha-256', 'scram-sha-512'])
        c[`listener.name.${l}.${m}.sasl.jaas.config`] = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
      // no server callback handler set: the broker validates unsecured JWS tokens; the login module still wants a subject
      if (o.oauthbearer)
        c[`listener.name.${l}.oauthbearer.sasl.jaas.config`] =
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";';
    }
  }
  if (pki) {
    // PEM stores: the key must be unencrypted PKCS#8, which pki.ts's openssl writes
    c['ssl.keystore.type'] = 'PEM';
    c['ssl.keystore.location'] = pki.serverPem;
    c['ssl.truststore.type'] = 'PEM';
    c['ssl.truststore.location'] = pki.caCert;
    c['ssl.client.auth'] = 'none';
    c['listener.name.mtls.ssl.client.auth'] = 'required';
  }
  return c;
}

interface NodeState extends KafkaNode {
  props: string;
  group: Group | undefined;
}

function launch(dist: KafkaDistribution, node: NodeState, root: string): Group {
  return startGroup(
    'java',
    [
      '-Xmx384m',
      '-Xms128m',
      '-XX:+UseSerialGC',
      // C1 only: the JVM starts faster on few busy cores; a test broker needs no peak throughput
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${dist.brokerLog4j}`,
      '-cp',
      dist.classpath,
      'kafka.Kafka',
      node.props,
    ],
    // the root as scratch dir: if this process dies, each node's keeper removes the whole tree
    { cwd: node.dir, env: process.env, logFile: node.logFile, scratchDir: root },
  );
}

function format(dist: KafkaDistribution, node: NodeState, clusterId: string, o: KafkaStartOptions): Promise<void> {
  const scram = o.sasl
    ? ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${SASL_USER.username},password=${SASL_USER.password}]`])
    : [];
  const args = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dlog4j2.configurationFile=${dist.toolsLog4j}`,
    '-cp',
    dist.classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    node.props,
    ...scram,
  ];
  return new Promise((resolve, reject) => {
    execFile('java', args, { timeout: FORMAT_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`formatting Kafka node ${node.id} failed (${err.message.split('\n')[0]}):\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/** True when the node's own listener answers metadata listing `expect` brokers, itself among them. */
async function serves(node: KafkaNode, expect: number): Promise<boolean> {
  try {
    const m = await probeMetadata(node.hostPort, 2000);
    return m.brokers.includes(node.id) && m.brokers.length >= expect;
  } catch {
    return false;
  }
}

/** Polls until every node serves; on a node's exit or the deadline throws with the last 40 lines of its log. */
async function awaitNodes(nodes: NodeState[], expect: number, deadline: number): Promise<void> {
  const pending = new Set(nodes);
  for (;;) {
    for (const n of [...pending]) if (await serves(n, expect)) pending.delete(n);
    if (pending.size === 0) return;
    for (const n of pending) {
      const code = n.group?.exitCode();
      if (code !== undefined || Date.now() > deadline) {
        const why = code !== undefined ? `exited (code ${code})` : 'did not serve metadata in time';
        throw new Error(`Kafka node ${n.id} ${why}; last lines of ${n.logFile}:\n${tail(n.logFile, 40)}`);
      }
    }
    await sleep(200);
  }
}

/** SIGTERM, SIGKILL after `graceMs`; the node's files stay (crash() keeps the scratch dir). */
async function terminate(n: NodeState, graceMs: number): Promise<void> {
  const g = n.group;
  if (!g) return;
  n.group = undefined;
  g.signal('SIGTERM');
  g.signal('SIGCONT');
  const deadline = Date.now() + graceMs;
  while (g.exitCode() === undefined && Date.now() < deadline) await sleep(100);
  await g.crash(); // SIGKILL to whatever is left, then forget the exit hooks
}

function writeProperties(file: string, settings: Record<string, string>): void {
  fs.writeFileSync(
    file,
    `${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
}

/** Starts 1 or 3 KRaft nodes on fresh loopback ports and waits until each serves metadata. */
export async function startKafka(opts: KafkaStartOptions = {}): Promise<KafkaBroker> {
  const log = opts.log ?? kafkaStderrLog;
  const count = opts.nodes ?? 1;
  const timeoutMs = opts.timeoutMs ?? Number(process.env.CORTADO_KAFKA_START_TIMEOUT_MS || 90_000);
  const dist = await ensureKafka(log);
  const specs = LISTENER_SPECS.filter((s) => s.when(opts));
  const ports = await freePorts(count * (specs.length + 1));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-kafka-'));
  const nodes: NodeState[] = [];
  try {
    let pki: (Pki & { serverPem: string; clientPem: string }) | undefined;
    if (opts.tls) {
      const p = createPki(path.join(root, 'pki'));
      // a PEM keystore file holds the private key and its certificate together
      const pem = (key: string, cert: string, name: string) => {
        const f = path.join(p.dir, name);
        fs.writeFileSync(f, fs.readFileSync(key, 'utf8') + fs.readFileSync(cert, 'utf8'));
        return f;
      };
      pki = { ...p, serverPem: pem(p.serverKey, p.serverCert, 'server.pem'), clientPem: pem(p.clientKey, p.clientCert, 'client.pem') };
    }
    const portOf = (node: number, listener: number) => ports[node * (specs.length + 1) + listener];
    const controllerPort = (node: number) => portOf(node, specs.length);
    const voters = Array.from({ length: count }, (_, i) => `${i + 1}@127.0.0.1:${controllerPort(i)}`).join(',');
    const protocolMap = ['CONTROLLER:PLAINTEXT', ...specs.map((s) => `${s.name}:${s.protocol}`)].join(',');
    const common = { ...baseConfig(count), ...securityConfig(opts, pki) };
    for (let i = 0; i < count; i++) {
      const dir = path.join(root, `node-${i + 1}`);
      fs.mkdirSync(dir);
      const advertised = specs.map((s, l) => `${s.name}://127.0.0.1:${portOf(i, l)}`);
      const props = path.join(dir, 'server.properties');
      writeProperties(props, {
        'node.id': String(i + 1),
        'controller.quorum.voters': voters,
        listeners: [...advertised, `CONTROLLER://127.0.0.1:${controllerPort(i)}`].join(','),
        'advertised.listeners': advertised.join(','),
        'listener.security.protocol.map': protocolMap,
        'log.dirs': path.join(dir, 'data'),
        ...common,
        ...opts.config,
      });
      const node: NodeState = {
        id: i + 1,
        port: portOf(i, 0),
        hostPort: `127.0.0.1:${portOf(i, 0)}`,
        controllerPort: controllerPort(i),
        dir,
        logFile: path.join(dir, 'kafka.log'),
        props,
        group: undefined,
        running: () => node.group !== undefined && node.group.exitCode() === undefined,
      };
      nodes.push(node);
    }
    const clusterId = newClusterId();
    await Promise.all(nodes.map((n) => format(dist, n, clusterId, opts)));
    const t0 = Date.now();
    for (const n of nodes) n.group = launch(dist, n, root);
    await awaitNodes(nodes, count, t0 + timeoutMs);
    const startMs = Date.now() - t0;
    log(`Kafka ${KAFKA_VERSION}: ${count} node(s) ready in ${(startMs / 1000).toFixed(1)} s in ${root}`);

    const listeners = {} as KafkaListeners;
    specs.forEach((s, l) => {
      const hostPorts = nodes.map((_, i) => `127.0.0.1:${portOf(i, l)}`);
      const scheme = s.protocol === 'SSL' || s.protocol === 'SASL_SSL' ? 'kafka+ssl' : 'kafka';
      listeners[s.key] = {
        name: s.name,
        protocol: s.protocol,
        url: `${scheme}://${hostPorts.join(',')}`,
        hostPorts,
        clientAuth: s.key === 'mtls',
      };
    });
    const byId = (id: number) => {
      const n = nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no Kafka node ${id} (nodes are ${nodes.map((x) => x.id).join(', ')})`);
      return n;
    };
    let stopping: Promise<void> | undefined;
    return {
      bootstrap: listeners.plaintext.url,
      hostPorts: listeners.plaintext.hostPorts,
      nodes,
      listeners,
      sasl: opts.sasl ? { ...SASL_USER, mechanisms: [...SASL_USER.mechanisms] } : undefined,
      pki,
      clusterId,
      dist,
      dir: root,
      startMs,
      stop: () =>
        (stopping ??= (async () => {
          await Promise.all(nodes.map((n) => terminate(n, stopGraceMs(count))));
          fs.rmSync(root, { recursive: true, force: true });
        })()),
      async kill(id) {
        const n = byId(id);
        const g = n.group;
        n.group = undefined;
        await g?.crash();
      },
      async restart(id) {
        const n = byId(id);
        if (stopping) throw new Error('the Kafka broker was stopped');
        await terminate(n, RESTART_GRACE_MS);
        n.group = launch(dist, n, root);
        // other nodes may be down on purpose: wait for this one alone
        await awaitNodes([n], 1, Date.now() + timeoutMs);
      },
    };
  } catch (e) {
    await Promise.all(nodes.map((n) => terminate(n, 0)));
    fs.rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './distribution';

// Apache Kafka's jars from Maven Central (no tarball is published there): a generated pom and one
// `mvn dependency:copy-dependencies` into the cache, plus the log4j2 files the JVMs read.

/** The Kafka release the tests, demo and CLI run. */
export const KAFKA_VERSION = '4.4.0';
// Kafka 4.4 logs through slf4j 1.7, so the bridge is log4j-slf4j-impl; a lower log4j would downgrade Kafka's own
const LOG4J_VERSION = '2.25.5';
const FETCH_TIMEOUT_MS = 10 * 60_000;

export interface KafkaDistribution {
  /** `<cache>/kafka-<version>`: pom.xml, lib/, the log4j2 files */
  home: string;
  /** `<home>/lib/*`, for java -cp (never through a shell, which would expand it) */
  classpath: string;
  /** log4j2 config for brokers: info to stdout */
  brokerLog4j: string;
  /** log4j2 config for command-line tools: warnings to stderr, stdout left to the tool */
  toolsLog4j: string;
}

const dep = (group: string, artifact: string, version: string, exclusions = '') =>
  `    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version>${exclusions}</dependency>`;

export function kafkaPom(): string {
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.cortado</groupId>',
    '  <artifactId>kafka-runtime</artifactId>',
    `  <version>${KAFKA_VERSION}</version>`,
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION),
    // the tools jar holds TopicCommand and friends; connect-runtime would add a web server we never run
    dep(
      'org.apache.kafka',
      'kafka-tools',
      KAFKA_VERSION,
      '<exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>',
    ),
    dep('org.apache.kafka', 'kafka-clients', KAFKA_VERSION),
    dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION),
    dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

const log4j = (target: 'SYSTEM_OUT' | 'SYSTEM_ERR', level: string) =>
  [
    // status=error also keeps log4j's own shutdown-hook warning quiet
    'status = error',
    'appender.console.type = Console',
    'appender.console.name = CONSOLE',
    `appender.console.target = ${target}`,
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d] %p %m (%c)%n',
    `rootLogger.level = ${level}`,
    'rootLogger.appenderRef.console.ref = CONSOLE',
    '',
  ].join('\n');

/** Writes through a temp file and a rename, so a concurrent reader never sees half a file. */
function writeIfChanged(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const MARKER = '.complete';

function libComplete(lib: string, stamp: string): boolean {
  try {
    return fs.readFileSync(path.join(lib, MARKER), 'utf8') === stamp;
  } catch {
    return false;
  }
}

function requireJava(): void {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0)
    throw new Error('cannot run Kafka: `java -version` failed; install a Java 17+ JDK (e.g. apt-get install openjdk-17-jdk-headless)');
}

/** Runs mvn with a bound; rejects with mvn's own output (it prints its errors on stdout). */
function runMvn(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer) => (out = (out + b.toString()).slice(-6000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), FETCH_TIMEOUT_MS);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new Error('cannot fetch the Kafka jars: mvn is not on PATH; install Maven 3.8+ (e.g. apt-get install maven)')
          : e,
      );
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `cannot fetch the Kafka ${KAFKA_VERSION} jars: mvn ${sig ? `was killed (${sig}) after ${FETCH_TIMEOUT_MS / 1000} s` : `exited ${code}`} in ${cwd}; its output ends:\n${out.trimEnd()}`,
          ),
        );
    });
  });
}

/** The Kafka jars and log4j2 files in the cache; fetches the jars with mvn on first use. */
export async function ensureKafka(log: (m: string) => void = () => undefined, dir = cacheDir()): Promise<KafkaDistribution> {
  requireJava();
  const home = path.join(dir, `kafka-${KAFKA_VERSION}`);
  const lib = path.join(home, 'lib');
  const pom = kafkaPom();
  // a changed pom (new dependency) makes an old lib/ incomplete
  const stamp = crypto.createHash('sha256').update(pom).digest('hex');
  fs.mkdirSync(home, { recursive: true });
  const dist: KafkaDistribution = {
    home,
    classpath: path.join(lib, '*'),
    brokerLog4j: path.join(home, 'log4j2-broker.properties'),
    toolsLog4j: path.join(home, 'log4j2-tools.properties'),
  };
  writeIfChanged(dist.brokerLog4j, log4j('SYSTEM_OUT', 'info'));
  writeIfChanged(dist.toolsLog4j, log4j('SYSTEM_ERR', 'warn'));
  if (libComplete(lib, stamp)) return dist;

  writeIfChanged(path.join(home, 'pom.xml'), pom);
  // copy beside lib/ and rename, so an interrupted fetch is never taken for a good one
  const tmp = path.join(home, `lib.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`fetching the Kafka ${KAFKA_VERSION} jars from Maven Central with mvn into ${lib} (about 45 MB, once)`);
  const args = ['-q', '-B', '-Dstyle.color=never', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`];
  if (process.env.MAVEN_REPO) args.push(`-Dmaven.repo.local=${process.env.MAVEN_REPO}`);
  try {
    await runMvn(home, args);
    if (!fs.existsSync(path.join(tmp, `kafka_2.13-${KAFKA_VERSION}.jar`))) throw new Error(`mvn finished but ${tmp} has no Kafka jar`);
    fs.writeFileSync(path.join(tmp, MARKER), stamp);
    if (!libComplete(lib, stamp)) {
      fs.rmSync(lib, { recursive: true, force: true });
      try {
        fs.renameSync(tmp, lib);
      } catch (e) {
        // a concurrent fetch may have won the rename; its copy is as good as ours
        if (!libComplete(lib, stamp)) throw e;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dist;
}

// `node dist/tools/kafka-distribution.js`: fetch now (CI does, so a fetch problem fails early with mvn's message)
if (require.main === module) {
  const t0 = Date.now();
  ensureKafka((m) => process.stderr.write(`[kafka] ${m}\n`)).then(
    (d) => process.stdout.write(`Kafka ${KAFKA_VERSION} jars ready in ${d.home} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 1;
    },
  );
}

import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../tools/distribution';
import type { KafkaDistribution } from '../tools/kafka-distribution';
import type { DriverTask } from './run-result';

// Compiles bench/java/CortadoBench.java against the client jars of the server distribution into
// the cache (keyed by the source's hash, never into the repository) and builds its command line.

const SOURCE = path.join(__dirname, '..', '..', 'bench', 'java', 'CortadoBench.java');
// the helpers both Java drivers compile with
const SUPPORT = path.join(__dirname, '..', '..', 'bench', 'java', 'BenchSupport.java');

export interface JavaDriver {
  command: string;
  /** arguments before the task's key=value pairs */
  baseArgs: string[];
}

function runs(cmd: string, arg: string): boolean {
  try {
    execFileSync(cmd, [arg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The compiled driver, or the reason Java cannot run here. */
export function prepareJavaDriver(home: string | undefined): JavaDriver | { skip: string } {
  if (!runs('java', '-version')) return { skip: 'java is not on PATH' };
  if (!runs('javac', '-version')) return { skip: 'javac is not on PATH (a JDK is needed to compile bench/java/CortadoBench.java)' };
  if (!home) return { skip: 'no Pulsar distribution for the client jars (set CORTADO_PULSAR_HOME with CORTADO_URL)' };
  const jars = path.join(home, 'lib', '*');
  const hash = crypto
    .createHash('sha256')
    .update(fs.readFileSync(SOURCE))
    .update(fs.readFileSync(SUPPORT))
    .update(home)
    .digest('hex')
    .slice(0, 16);
  const classes = path.join(cacheDir(), 'bench-java', hash);
  if (!fs.existsSync(path.join(classes, 'CortadoBench.class'))) {
    // compile beside and rename, so an interrupted compile is never taken for a good one
    const tmp = `${classes}.tmp-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('javac', ['-nowarn', '-cp', jars, '-d', tmp, SOURCE, SUPPORT], { stdio: ['ignore', 'inherit', 'inherit'] });
      fs.rmSync(classes, { recursive: true, force: true });
      fs.renameSync(tmp, classes);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return { skip: `javac failed: ${(e as Error).message}` };
    }
  }
  const opts = (process.env.BENCH_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  // log4j without a config file would print a status warning; keep stdout for the result line
  return {
    command: 'java',
    baseArgs: [...opts, '-Dlog4j2.level=WARN', '-cp', `${classes}${path.delimiter}${jars}`, 'CortadoBench'],
  };
}

export function javaTaskArgs(t: DriverTask): string[] {
  return javaArgsOf(t);
}

const KAFKA_SOURCE = path.join(__dirname, '..', '..', 'bench', 'java', 'KafkaBench.java');

/**
 * bench/java/KafkaBench.java compiled against the kafka-clients jars of the Kafka distribution
 * (tools/kafka-distribution.ts) into the cache, or the reason Java cannot run here.
 */
export function prepareKafkaJavaDriver(dist: KafkaDistribution): JavaDriver | { skip: string } {
  if (!runs('java', '-version')) return { skip: 'java is not on PATH' };
  if (!runs('javac', '-version')) return { skip: 'javac is not on PATH (a JDK is needed to compile bench/java/KafkaBench.java)' };
  const hash = crypto
    .createHash('sha256')
    .update(fs.readFileSync(KAFKA_SOURCE))
    .update(fs.readFileSync(SUPPORT))
    .update(dist.home)
    .digest('hex')
    .slice(0, 16);
  const classes = path.join(cacheDir(), 'bench-java-kafka', hash);
  if (!fs.existsSync(path.join(classes, 'KafkaBench.class'))) {
    // compile beside and rename, so an interrupted compile is never taken for a good one
    const tmp = `${classes}.tmp-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('javac', ['-nowarn', '-cp', dist.classpath, '-d', tmp, KAFKA_SOURCE, SUPPORT], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      fs.rmSync(classes, { recursive: true, force: true });
      fs.renameSync(tmp, classes);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return { skip: `javac failed: ${(e as Error).message}` };
    }
  }
  const opts = (process.env.BENCH_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  // the tools' log4j2 file sends warnings to stderr and keeps stdout for the result line
  return {
    command: 'java',
    baseArgs: [
      ...opts,
      `-Dlog4j2.configurationFile=${dist.toolsLog4j}`,
      '-cp',
      `${classes}${path.delimiter}${dist.classpath}`,
      'KafkaBench',
    ],
  };
}

/** key=value arguments of any task object, as the Java drivers read them. */
export function javaArgsOf(t: object): string[] {
  return Object.entries(t).map(([k, v]) => `${k}=${String(v)}`);
}

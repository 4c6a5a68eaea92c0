import { execFile, execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './distribution';

// The Java client with Schema.AVRO / Schema.JSON of a POJO (tools/java/PulsarSchemaTool.java,
// compiled against the distribution's jars into the cache at first use), for schema interop tests.

const SOURCE = path.join(__dirname, '..', '..', 'tools', 'java', 'PulsarSchemaTool.java');

/** The POJO the tool sends and prints: Reading { count: int, name?: string, note?: string, score: double }. */
export type JavaReading = {
  name: string | null;
  count: number;
  score: number;
  note: string | null;
};

export type JavaSchemaKind = 'avro' | 'json';

function classesFor(home: string): string {
  const jars = path.join(home, 'lib', '*');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(SOURCE)).update(home).digest('hex').slice(0, 16);
  const classes = path.join(cacheDir(), 'pulsar-schema-java', hash);
  if (!fs.existsSync(path.join(classes, 'PulsarSchemaTool.class'))) {
    // compile beside and rename, so an interrupted compile is never taken for a good one
    const tmp = `${classes}.tmp-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('javac', ['-nowarn', '-cp', jars, '-d', tmp, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      fs.rmSync(classes, { recursive: true, force: true });
      fs.renameSync(tmp, classes);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`javac failed on ${SOURCE}: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`, { cause: e });
    }
  }
  return `${classes}${path.delimiter}${jars}`;
}

/** Runs one tool command; resolves with its stdout lines parsed as JSON. */
function runTool(home: string, args: string[], timeoutMs = 120_000): Promise<unknown[]> {
  const cp = classesFor(home);
  const jvm = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dlog4j2.level=WARN', '-cp', cp, 'PulsarSchemaTool'];
  return new Promise((resolve, reject) => {
    execFile('java', [...jvm, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`PulsarSchemaTool ${args[0]} failed: ${err.message}\n${stderr.slice(-3000)}`));
      const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
      resolve(lines.map((l) => JSON.parse(l) as unknown));
    });
  });
}

/** The SchemaInfo the Java client registers for the Reading POJO. */
export async function javaSchemaInfo(
  home: string,
  kind: JavaSchemaKind,
): Promise<{ type: string; schema: string; properties: Record<string, string> }> {
  const [info] = await runTool(home, ['info', kind]);
  return info as { type: string; schema: string; properties: Record<string, string> };
}

/** Sends n Readings (name r<i>, count i, score i/2, note 'even' on even i else null) with Schema.AVRO or Schema.JSON. */
export async function javaProduceReadings(home: string, url: string, topic: string, kind: JavaSchemaKind, n: number): Promise<void> {
  await runTool(home, ['produce', url, topic, kind, String(n)]);
}

/** Receives n Readings with Schema.AVRO or Schema.JSON on a new subscription from the earliest message. */
export async function javaConsumeReadings(
  home: string,
  url: string,
  topic: string,
  sub: string,
  kind: JavaSchemaKind,
  n: number,
): Promise<JavaReading[]> {
  return (await runTool(home, ['consume', url, topic, sub, kind, String(n)])) as JavaReading[];
}

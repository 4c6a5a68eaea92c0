import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The Apache Pulsar server distribution from Maven Central, fetched with mvn and unpacked once.

/** The Pulsar release the tests, demo and bench run against. */
export const PULSAR_VERSION = '4.0.8';

const ARTIFACT = `org.apache.pulsar:pulsar-server-distribution:${PULSAR_VERSION}:tar.gz:bin`;

/** `${CORTADO_CACHE_DIR:-~/.cache/cortado}` */
export function cacheDir(): string {
  return process.env.CORTADO_CACHE_DIR || path.join(os.homedir(), '.cache', 'cortado');
}

/** Where `mvn dependency:get` leaves the tarball (MAVEN_REPO overrides ~/.m2/repository). */
export function tarballPath(): string {
  const repo = process.env.MAVEN_REPO || path.join(os.homedir(), '.m2', 'repository');
  return path.join(
    repo,
    'org/apache/pulsar/pulsar-server-distribution',
    PULSAR_VERSION,
    `pulsar-server-distribution-${PULSAR_VERSION}-bin.tar.gz`,
  );
}

function fetchTarball(log: (m: string) => void): string {
  const tarball = tarballPath();
  if (fs.existsSync(tarball)) return tarball;
  log(`fetching ${ARTIFACT} from Maven Central with mvn (about 300 MB, once)`);
  try {
    const args = ['-q', '-B', 'dependency:get', `-Dartifact=${ARTIFACT}`, '-Dtransitive=false'];
    // keep mvn and tarballPath() agreeing on the local repository
    if (process.env.MAVEN_REPO) args.push(`-Dmaven.repo.local=${process.env.MAVEN_REPO}`);
    execFileSync('mvn', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'mvn is not on PATH' : (e as Error).message;
    throw new Error(`cannot fetch the Pulsar distribution (${why}); install Java 17 and Maven, or run a Docker engine`, { cause: e });
  }
  if (!fs.existsSync(tarball)) throw new Error(`mvn finished but ${tarball} is missing`);
  return tarball;
}

/** Removes unpack dirs left by an interrupted run (older than an hour, so a concurrent unpack is spared). */
function sweepStaleUnpacks(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith('unpack-')) continue;
    const p = path.join(dir, name);
    if (Date.now() - fs.statSync(p).mtimeMs > 3600_000) fs.rmSync(p, { recursive: true, force: true });
  }
}

/** The unpacked distribution's directory; fetches and unpacks it on first use. */
export function ensureDistribution(log: (m: string) => void = () => undefined, dir = cacheDir()): string {
  const home = path.join(dir, `apache-pulsar-${PULSAR_VERSION}`);
  if (fs.existsSync(path.join(home, 'bin', 'pulsar'))) return home;
  const tarball = fetchTarball(log);
  fs.mkdirSync(dir, { recursive: true });
  sweepStaleUnpacks(dir);
  // unpack beside the target and rename, so an interrupted unpack is never taken for a good one
  const tmp = fs.mkdtempSync(path.join(dir, 'unpack-'));
  try {
    log(`unpacking ${tarball} into ${dir}`);
    execFileSync('tar', ['xzf', tarball, '-C', tmp]);
    try {
      fs.renameSync(path.join(tmp, `apache-pulsar-${PULSAR_VERSION}`), home);
    } catch (e) {
      // a concurrent run may have won the rename; its copy is as good as ours
      if (!fs.existsSync(path.join(home, 'bin', 'pulsar'))) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return home;
}

/** True when Java runs and the distribution is here or mvn can fetch it (so bin/pulsar-client can work). */
export function distributionUsable(dir = cacheDir()): boolean {
  const runs = (cmd: string, arg: string) => {
    try {
      execFileSync(cmd, [arg], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!runs('java', '-version')) return false;
  return (
    fs.existsSync(path.join(dir, `apache-pulsar-${PULSAR_VERSION}`, 'bin', 'pulsar')) || fs.existsSync(tarballPath()) || runs('mvn', '-v')
  );
}

import * as os from 'os';
import * as path from 'path';
import { createPartitionedTopic } from '../tools/admin';
import { distributionUsable, ensureDistribution } from '../tools/distribution';
import type { PulsarBroker } from '../tools/pulsar-standalone';
import { startBrokerWithProgress } from '../cli/broker';
import { waitWith } from '../cli/progress';
import { JavaDriver, javaTaskArgs, prepareJavaDriver } from './java-driver';
import { envInt, javaVersion, runChild, withLoad } from './harness';
import { kafkaBench } from './kafka-bench';
import { benchNode } from './node-binary';
import { DriverTask, RunResult } from './run-result';
import { formatTable, Round, ScenarioRounds } from './table';

// npm run bench: cortado and the Java client side by side on one broker, each scenario run by
// each side in its own child process, rounds interleaved (cortado, Java, cortado, Java, ...).
// BENCH_ROUNDS (default 5), BENCH_MESSAGES (base count, default 50000), --quick (1 round of 5000), BENCH_ONLY=<text>,
// BENCH_JAVA=0 (cortado only), BENCH_JAVA_OPTS (extra JVM flags); CORTADO_URL and
// CORTADO_ADMIN_URL name an existing broker instead of starting one. --backend kafka: bench/kafka-bench.ts.
// --node <path|line> (or CORTADO_BENCH_NODE) also runs the cortado driver on that Node binary, in the same rounds.

const SIZE = 1024;
const PARTITIONS = 4;

interface Scenario {
  name: string;
  mode: 'produce' | 'consume';
  /** multiple of BENCH_MESSAGES */
  share: number;
  inFlight: number;
  batching: boolean;
  compression: DriverTask['compression'];
}

const SCENARIOS: Scenario[] = [
  { name: 'sequential produceSync', mode: 'produce', share: 0.1, inFlight: 1, batching: false, compression: 'none' },
  { name: 'async, 1,000 in flight, unbatched', mode: 'produce', share: 1, inFlight: 1000, batching: false, compression: 'none' },
  { name: 'async, batched (1,000 msgs / 128 KiB / 10 ms)', mode: 'produce', share: 4, inFlight: 1000, batching: true, compression: 'none' },
  { name: 'batched + LZ4', mode: 'produce', share: 4, inFlight: 1000, batching: true, compression: 'lz4' },
  { name: 'batched + ZSTD', mode: 'produce', share: 4, inFlight: 1000, batching: true, compression: 'zstd' },
  { name: 'consume a backlog, unbatched', mode: 'consume', share: 1, inFlight: 1000, batching: false, compression: 'none' },
  { name: 'consume a backlog, batched', mode: 'consume', share: 4, inFlight: 1000, batching: true, compression: 'none' },
];

const CORTADO_DRIVER = path.join(__dirname, 'cortado-driver.js');

interface Broker {
  url: string;
  adminUrl: string;
  home: string | undefined;
  stop(): Promise<void>;
}

async function broker(): Promise<Broker> {
  const url = process.env.CORTADO_URL;
  if (url) {
    const adminUrl = process.env.CORTADO_ADMIN_URL;
    if (!adminUrl)
      throw new Error('CORTADO_URL is set but CORTADO_ADMIN_URL is not: the bench creates 4-partition topics through the admin API');
    const home = process.env.CORTADO_PULSAR_HOME ?? (distributionUsable() ? ensureDistribution() : undefined);
    return { url, adminUrl, home, stop: async () => undefined };
  }
  const b: PulsarBroker = await startBrokerWithProgress();
  return { url: b.serviceUrl, adminUrl: b.adminUrl, home: b.home, stop: () => b.stop() };
}

/** The value of --backend (or --backend=NAME); pulsar when absent. */
function backendArg(): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--backend');
  const eq = argv.find((a) => a.startsWith('--backend='));
  const name = eq ? eq.slice('--backend='.length) : i >= 0 ? argv[i + 1] : 'pulsar';
  if (name !== 'pulsar' && name !== 'kafka') throw new Error(`--backend must be pulsar or kafka, got ${JSON.stringify(name)}`);
  return name;
}

async function main(): Promise<void> {
  // --quick (npm run bench:quick): one short round, to check that everything runs
  const quick = process.argv.includes('--quick');
  if (backendArg() === 'kafka') return kafkaBench(quick);
  const rounds = envInt('BENCH_ROUNDS', quick ? 1 : 5);
  const base = envInt('BENCH_MESSAGES', quick ? 5_000 : 50_000);
  const only = process.env.BENCH_ONLY;
  const scenarios = SCENARIOS.filter((s) => !only || s.name.includes(only));
  const alt = benchNode();
  const altName = alt ? `Node ${alt.version.slice(1).split('.')[0]}` : undefined;
  const b = await broker();
  const stamp = Date.now().toString(36);
  const results: ScenarioRounds[] = scenarios.map((s) => ({ name: s.name, rounds: [] as Round[] }));
  let java: JavaDriver | undefined;
  try {
    const prepared = process.env.BENCH_JAVA === '0' ? { skip: 'BENCH_JAVA=0' } : prepareJavaDriver(b.home);
    if ('skip' in prepared) console.log(`Java side skipped: ${prepared.skip}`);
    else java = prepared;
    for (let round = 1; round <= rounds; round++) {
      for (const [i, s] of scenarios.entries()) {
        const messages = Math.max(100, Math.round(base * s.share));
        const warmup = s.inFlight === 1 ? Math.min(500, messages) : Math.max(100, Math.round(messages / 10));
        const task = async (side: string): Promise<DriverTask> => {
          const topic = `persistent://public/default/bench-${stamp}-${i}-${side}-${round}`;
          await createPartitionedTopic(b.adminUrl, topic, PARTITIONS);
          const t: DriverTask = {
            mode: s.mode,
            url: b.url,
            topic,
            messages,
            warmup,
            inFlight: s.inFlight,
            batching: s.batching,
            compression: s.compression,
            size: SIZE,
            subscription: `bench-${side}`,
          };
          if (s.mode === 'consume')
            await runChild(`fill for ${s.name}`, process.execPath, [CORTADO_DRIVER, JSON.stringify({ ...t, mode: 'fill' })]);
          return t;
        };
        // each side's backlog is written before its round starts, so filling is not measured
        const ct = await task('cortado');
        const at = alt ? await task('node2') : undefined;
        const jt = java ? await task('java') : undefined;
        const { value, load } = await withLoad(async () => {
          // a live line shows each run's elapsed time while it goes
          const cortado = await waitWith(
            `round ${round}/${rounds} cortado: ${s.name}`,
            runChild(`cortado: ${s.name}`, process.execPath, [CORTADO_DRIVER, JSON.stringify(ct)]),
          );
          const cortadoAlt =
            alt && at
              ? await waitWith(
                  `round ${round}/${rounds} cortado on ${altName}: ${s.name}`,
                  runChild(`cortado on ${alt.path}: ${s.name}`, alt.path, [CORTADO_DRIVER, JSON.stringify(at)]),
                )
              : undefined;
          const j =
            java && jt
              ? await waitWith(
                  `round ${round}/${rounds} java: ${s.name}`,
                  runChild(`java: ${s.name}`, java.command, [...java.baseArgs, ...javaTaskArgs(jt)]),
                )
              : undefined;
          return { cortado, cortadoAlt, java: j };
        });
        results[i].rounds.push({ ...value, load });
        const rate = (r?: RunResult) => (r ? `${Math.round(r.messages / r.seconds)} msg/s` : '—');
        console.error(
          `[bench] round ${round}/${rounds} ${s.name}: cortado ${rate(value.cortado)}${alt ? `, on ${altName} ${rate(value.cortadoAlt)}` : ''}, java ${rate(value.java)}, load ${load.toFixed(2)}`,
        );
      }
    }
  } finally {
    await b.stop();
  }
  const cpus = os.cpus();
  console.log(
    `\nmachine: ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}${alt ? ` (and ${alt.version}: ${alt.path})` : ''}; ${java ? javaVersion() : 'no Java'}`,
  );
  console.log(
    `${SIZE}-byte messages, ${PARTITIONS} partitions, ${rounds} interleaved round(s), base ${base} messages; cells: cortado / Java (median of per-round cortado ÷ Java)\n`,
  );
  console.log(formatTable(results, altName));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

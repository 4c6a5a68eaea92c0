import * as crypto from 'crypto';
import * as fs from 'fs';
import { parseArgs } from 'util';
import { KafkaBroker, startKafka } from '../tools/kafka-broker';
import { RestartableBroker, startRestartablePulsar } from '../tools/restartable-standalone';
import { Fault, random } from './faults';
import {
  CONSUMER_FAULTS,
  ConsumerFault,
  consumerTable,
  consumerViolations,
  ConsumerScenarioResult,
  runKafkaConsumerScenario,
} from './kafka-consumer-scenario';
import { KAFKA_MODES, KafkaFault, KafkaMode, runKafkaScenario } from './kafka-scenario';
import { memoryViolations, MemoryResult, MemorySpec, runMemory } from './memory';
import { Mode, MODES, runScenario, ScenarioResult, violations } from './scenario';
import { examples, memoryTable, scenarioTable } from './table';

// npm run chaos: the keyed workload against a real standalone that is killed, unloaded and
// frozen; prints the tables and exits non-zero when a must-be-zero count is not zero.

const HELP = `npm run chaos -- [options]
  --backend NAME        pulsar (default) or kafka
  --scenarios LIST      pulsar: kill,unload,freeze,memory (default all)
                        kafka: kill (one node), leader-kill (3 nodes), and the consumer group's
                        member-kill, broker-restart (one node), coordinator-kill (3 nodes) (default all)
  --modes LIST          unbatched,batched,batched+lz4 (default all); kafka also batched+zstd
  --messages N          keyed messages per scenario (100000)
  --keys N              distinct keys (1000)
  --in-flight N         unsettled sends at most (1000)
  --payload-bytes N     (100)
  --partitions N        (pulsar 4, kafka 6)
  --kills N             SIGKILL + restart per kill scenario (3)
  --leader-kill-pace-s N  kafka leader-kill: spread the hand-over over at least this long (60),
                        so the restarted node takes its leaderships back while sending
  --storm-ms MS         unload storm length (120000)
  --unload-every-ms MS  (500)
  --freeze-ms MS        SIGSTOP length (60000)
  --send-timeout-ms MS  producer sendTimeoutMs (30000)
  --consumer-records N  kafka consumer scenarios: the backlog the group reads (100000)
  --consumer-pace-us N  handler time per record, so the fault lands mid-stream (500)
  --memory-messages N   scenario memory: sends while frozen (200000)
  --memory-bytes N      their size (10240)
  --memory-send-timeout-ms MS (2000)
  --memory-limit-mb N   the producer's memoryLimitBytes (64)
  --rss-slack-mb N      RSS allowed above the limit (64)
  --max-scenario-min N  stop handing over after this long in a scenario (20)
  --seed N              fault moments (default random; printed)
  --deadline-min N      the whole run stops by itself after this (90)
  --json FILE           also write the results as JSON`;

const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pulsar' },
    // the defaults of these three depend on the backend
    scenarios: { type: 'string' },
    modes: { type: 'string' },
    messages: { type: 'string', default: '100000' },
    keys: { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '1000' },
    'payload-bytes': { type: 'string', default: '100' },
    partitions: { type: 'string' },
    kills: { type: 'string', default: '3' },
    'leader-kill-pace-s': { type: 'string', default: '60' },
    'storm-ms': { type: 'string', default: '120000' },
    'unload-every-ms': { type: 'string', default: '500' },
    'freeze-ms': { type: 'string', default: '60000' },
    'send-timeout-ms': { type: 'string', default: '30000' },
    'consumer-records': { type: 'string', default: '100000' },
    'consumer-pace-us': { type: 'string', default: '500' },
    'memory-messages': { type: 'string', default: '200000' },
    'memory-bytes': { type: 'string', default: '10240' },
    'memory-send-timeout-ms': { type: 'string', default: '2000' },
    'memory-limit-mb': { type: 'string', default: '64' },
    'rss-slack-mb': { type: 'string', default: '64' },
    'max-scenario-min': { type: 'string', default: '20' },
    seed: { type: 'string' },
    'deadline-min': { type: 'string', default: '90' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function num(name: keyof typeof a): number {
  const v = Number(a[name]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} must be a non-negative integer, got ${JSON.stringify(a[name])}\n\n${HELP}`);
    process.exit(2);
  }
  return v;
}

function list<T extends string>(name: 'scenarios' | 'modes', allowed: readonly T[], fallback: readonly T[]): T[] {
  const l = a[name] === undefined ? [...fallback] : String(a[name]).split(',').filter(Boolean);
  const bad = l.filter((x) => !allowed.includes(x as T));
  if (bad.length) {
    console.error(`--${name}: ${bad.join(', ')} not known; allowed: ${allowed.join(', ')}`);
    process.exit(2);
  }
  return l as T[];
}

const log = (line: string) => console.log(line);
const SCENARIOS = ['kill', 'unload', 'freeze', 'memory'] as const;
const KAFKA_SCENARIOS = ['kill', 'leader-kill', ...CONSUMER_FAULTS] as const;
const kafka = a.backend === 'kafka';
if (!kafka && a.backend !== 'pulsar') {
  console.error(`--backend must be pulsar or kafka, got ${JSON.stringify(a.backend)}`);
  process.exit(2);
}
const partitionCount = () => (a.partitions === undefined ? (kafka ? 6 : 4) : num('partitions'));

/** The faults of a scenario, at random points of the workload drawn from `rnd`. */
function faultsOf(name: string, messages: number, rnd: () => number): { faults: Fault[]; minDurationMs: number } {
  const at = (lo: number, hi: number) => Math.floor(messages * (lo + (hi - lo) * rnd()));
  if (name === 'kill') {
    // one kill per slice of the run, so they never pile up
    const k = num('kills');
    return {
      faults: Array.from({ length: k }, (_, i) => ({ kind: 'kill', at: at((0.05 + i * 0.9) / k, (0.05 + (i + 1) * 0.9) / k) })),
      minDurationMs: 0,
    };
  }
  if (name === 'unload') {
    const forMs = num('storm-ms');
    return { faults: [{ kind: 'unload', at: 0, forMs, everyMs: num('unload-every-ms') }], minDurationMs: forMs };
  }
  return { faults: [{ kind: 'freeze', at: at(0.2, 0.6), forMs: num('freeze-ms') }], minDurationMs: 0 };
}

async function main(): Promise<number> {
  if (a.help) {
    console.log(HELP);
    return 0;
  }
  if (kafka) return mainKafka();
  const scenarios = list('scenarios', SCENARIOS, SCENARIOS);
  const modes = list('modes', Object.keys(MODES) as Mode[], Object.keys(MODES) as Mode[]);
  const seed = a.seed !== undefined ? num('seed') : crypto.randomInt(2 ** 31);
  const run = crypto.randomBytes(3).toString('hex');
  const rnd = random(seed);
  const rows: ScenarioResult[] = [];
  const failures: string[] = [];
  let memory: MemoryResult | undefined;
  const limit = num('memory-limit-mb') * 2 ** 20;
  const report = () => {
    if (rows.length) console.log(`\n${scenarioTable(rows)}\n`);
    const ex = examples(rows);
    if (ex) console.log(`first offenders (key/seq):\n${ex}\n`);
    if (memory) console.log(`${memoryTable(memory, limit)}\n`);
    if (a.json) fs.writeFileSync(a.json, JSON.stringify({ seed, run, rows, memory, failures }, null, 2));
    console.log(failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'every must-be-zero count is zero');
    console.log(`seed ${seed} (rerun with --seed ${seed})`);
  };
  // the whole run stops by itself; the broker's process group dies with this process
  const giveUp = (why: string) => {
    failures.push(why);
    report();
    process.exit(3);
  };
  const deadline = setTimeout(() => giveUp(`the run passed its ${num('deadline-min')} min deadline`), num('deadline-min') * 60_000);
  deadline.unref();
  // the harness kills the broker on these signals first; then the results so far are printed
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => giveUp(`stopped by ${sig}`));

  log(`chaos run ${run}, seed ${seed}`);
  // one broker per metadata kind, started when a scenario first needs it
  const brokers = new Map<string, Promise<RestartableBroker>>();
  const brokerFor = (name: string) => {
    const metadata = name === 'kill' ? 'zookeeper' : 'rocksdb';
    if (!brokers.has(metadata))
      brokers.set(
        metadata,
        startRestartablePulsar({ namespaces: ['public/default', 'public/chaos'], deduplicated: ['public/chaos'], metadata }),
      );
    return brokers.get(metadata)!;
  };
  try {
    for (const name of scenarios.filter((s) => s !== 'memory')) {
      for (const mode of modes) {
        const broker = await brokerFor(name);
        const { faults, minDurationMs } = faultsOf(name, num('messages'), rnd);
        log(`\n${name} / ${mode}: ${num('messages')} messages, faults ${JSON.stringify(faults)}`);
        try {
          const r = await runScenario(broker, {
            name,
            mode,
            faults,
            partitions: partitionCount(),
            sendTimeoutMs: num('send-timeout-ms'),
            run,
            settleMs: num('send-timeout-ms') + 60_000,
            readIdleMs: 15_000,
            log,
            workload: {
              messages: num('messages'),
              keys: num('keys'),
              inFlight: num('in-flight'),
              payloadBytes: num('payload-bytes'),
              minDurationMs,
              stallMs: num('send-timeout-ms') * 2 + 60_000,
              maxMs: num('max-scenario-min') * 60_000,
            },
          });
          rows.push(r);
          failures.push(...violations(r).map((v) => `${name}/${mode}: ${v}`));
          log(`  done in ${(r.ms / 1000).toFixed(0)} s: ${violations(r).join(', ') || 'clean'}\n${scenarioTable([r])}`);
        } catch (err) {
          failures.push(`${name}/${mode}: ${(err as Error).stack ?? err}`);
          log(`  error: ${(err as Error).message}`);
        }
      }
    }
    if (scenarios.includes('memory')) {
      const spec: MemorySpec = {
        messages: num('memory-messages'),
        bytes: num('memory-bytes'),
        sendTimeoutMs: num('memory-send-timeout-ms'),
        memoryLimitBytes: limit,
        slackBytes: num('rss-slack-mb') * 2 ** 20,
        partitions: partitionCount(),
        run,
        log,
      };
      log(`\nmemory: ${spec.messages} × ${spec.bytes} B while the broker is frozen`);
      try {
        memory = await runMemory(await brokerFor('memory'), spec);
        failures.push(...memoryViolations(memory, spec).map((v) => `memory: ${v}`));
      } catch (err) {
        failures.push(`memory: ${(err as Error).stack ?? err}`);
      }
    }
  } finally {
    await Promise.all(
      [...brokers.values()].map((b) =>
        b.then(
          (x) => x.stop(),
          () => undefined,
        ),
      ),
    );
  }
  report();
  return failures.length ? 1 : 0;
}

/** Kafka faults at random points of the workload drawn from `rnd`. */
function kafkaFaultsOf(name: string, messages: number, rnd: () => number): KafkaFault[] {
  const at = (lo: number, hi: number) => Math.floor(messages * (lo + (hi - lo) * rnd()));
  if (name === 'kill') {
    const k = num('kills');
    return Array.from({ length: k }, (_, i) => ({ kind: 'kill', at: at((0.05 + i * 0.9) / k, (0.05 + (i + 1) * 0.9) / k) }));
  }
  return [{ kind: 'leader-kill', at: at(0.15, 0.35), restartAt: at(0.55, 0.75) }];
}

/** npm run chaos -- --backend kafka: a single node killed and restarted, then a 3-node cluster losing its busiest leader. */
async function mainKafka(): Promise<number> {
  const scenarios = list('scenarios', KAFKA_SCENARIOS, KAFKA_SCENARIOS);
  const modes = list('modes', Object.keys(KAFKA_MODES) as KafkaMode[], ['unbatched', 'batched', 'batched+lz4']);
  const seed = a.seed !== undefined ? num('seed') : crypto.randomInt(2 ** 31);
  const run = crypto.randomBytes(3).toString('hex');
  const rnd = random(seed);
  const rows: ScenarioResult[] = [];
  const consumerRows: ConsumerScenarioResult[] = [];
  const failures: string[] = [];
  let broker: KafkaBroker | undefined;
  const report = () => {
    if (rows.length) console.log(`\n${scenarioTable(rows)}\n`);
    if (consumerRows.length) console.log(`consumer group:\n${consumerTable(consumerRows)}\n`);
    const ex = examples(rows);
    if (ex) console.log(`first offenders (key/seq):\n${ex}\n`);
    if (a.json) fs.writeFileSync(a.json, JSON.stringify({ backend: 'kafka', seed, run, rows, consumerRows, failures }, null, 2));
    console.log(failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'every must-be-zero count is zero');
    console.log(`seed ${seed} (rerun with --backend kafka --seed ${seed})`);
  };
  // the whole run stops by itself; the brokers' process groups die with this process
  const giveUp = (why: string) => {
    failures.push(why);
    report();
    process.exit(3);
  };
  const deadline = setTimeout(() => giveUp(`the run passed its ${num('deadline-min')} min deadline`), num('deadline-min') * 60_000);
  deadline.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => giveUp(`stopped by ${sig}`));
  log(`kafka chaos run ${run}, seed ${seed}`);
  try {
    for (const name of scenarios) {
      // one broker per scenario, and only one at a time: a 3-node cluster is heavy on 2 cores
      await broker?.stop();
      broker = undefined;
      broker = await startKafka({
        nodes: name === 'kill' || name === 'member-kill' || name === 'broker-restart' ? 1 : 3,
        log,
        // the restarted node takes its preferred leaderships back soon, one more leader move under load
        config: name === 'kill' ? {} : { 'leader.imbalance.check.interval.seconds': '5' },
      });
      if ((CONSUMER_FAULTS as readonly string[]).includes(name)) {
        await consumerScenario(broker, name as ConsumerFault, run, rnd, consumerRows, failures);
        continue;
      }
      for (const mode of modes) {
        const faults = kafkaFaultsOf(name, num('messages'), rnd);
        log(`\n${name} / ${mode}: ${num('messages')} messages, faults ${JSON.stringify(faults)}`);
        try {
          const r = await runKafkaScenario(broker, {
            name,
            mode,
            faults,
            partitions: partitionCount(),
            sendTimeoutMs: num('send-timeout-ms'),
            run,
            settleMs: num('send-timeout-ms') + 60_000,
            readTimeoutMs: 300_000,
            recoveryWaitMs: num('send-timeout-ms') + 60_000,
            log,
            workload: {
              messages: num('messages'),
              keys: num('keys'),
              inFlight: num('in-flight'),
              payloadBytes: num('payload-bytes'),
              minDurationMs: name === 'leader-kill' ? num('leader-kill-pace-s') * 1000 : 0,
              stallMs: num('send-timeout-ms') * 2 + 60_000,
              maxMs: num('max-scenario-min') * 60_000,
            },
          });
          rows.push(r);
          failures.push(...violations(r).map((v) => `${name}/${mode}: ${v}`));
          log(`  done in ${(r.ms / 1000).toFixed(0)} s: ${violations(r).join(', ') || 'clean'}\n${scenarioTable([r])}`);
        } catch (err) {
          failures.push(`${name}/${mode}: ${(err as Error).stack ?? err}`);
          log(`  error: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await broker?.stop();
  }
  report();
  return failures.length ? 1 : 0;
}

/** One consumer group scenario: three member processes read a backlog through the fault. */
async function consumerScenario(
  broker: KafkaBroker,
  fault: ConsumerFault,
  run: string,
  rnd: () => number,
  rows: ConsumerScenarioResult[],
  failures: string[],
): Promise<void> {
  const records = num('consumer-records');
  const at = Math.floor(records * (0.2 + 0.3 * rnd()));
  log(`\n${fault}: ${records} records, the fault at ${at} handled`);
  try {
    const r = await runKafkaConsumerScenario(broker, {
      fault,
      records,
      partitions: partitionCount(),
      at,
      perRecordMs: num('consumer-pace-us') / 1000,
      sessionTimeoutMs: 10_000,
      offsetCommitIntervalMs: 1000,
      run,
      timeoutMs: num('max-scenario-min') * 60_000,
      log,
    });
    rows.push(r);
    failures.push(...consumerViolations(r).map((v) => `${fault}: ${v}`));
    log(`  done in ${(r.ms / 1000).toFixed(0)} s: ${consumerViolations(r).join(', ') || 'clean'}\n${consumerTable([r])}`);
  } catch (err) {
    failures.push(`${fault}: ${(err as Error).stack ?? err}`);
    log(`  error: ${(err as Error).message}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.stack ?? err);
    process.exit(2);
  },
);

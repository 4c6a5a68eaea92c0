import type { RunResult } from './run-result';

// The side-by-side table: per scenario, medians over rounds of each side and of the
// per-round cortado ÷ Java ratios (pairing each cortado run with the Java run beside it).

export interface Round {
  cortado: RunResult;
  /** absent when Java was skipped */
  java?: RunResult;
  /** the cortado driver on the other Node binary (--node), when one was given */
  cortadoAlt?: RunResult;
  /** mean 1-minute load average sampled while the round ran */
  load: number;
}

export interface ScenarioRounds {
  name: string;
  rounds: Round[];
}

type Metric = (r: RunResult) => number | null;

export const METRICS: Record<'msgPerSec' | 'p50Ms' | 'p99Ms' | 'cpuPer100k' | 'rssMb', Metric> = {
  msgPerSec: (r) => r.messages / r.seconds,
  p50Ms: (r) => r.p50Ms,
  p99Ms: (r) => r.p99Ms,
  cpuPer100k: (r) => (r.cpuSec / r.messages) * 100_000,
  rssMb: (r) => r.rssMb,
};

/** Median of the finite values (mean of the middle two for an even count); NaN when there are none. */
export function median(values: Array<number | null | undefined>): number {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export interface Summary {
  cortado: number;
  java: number;
  ratio: number;
}

/** Medians of one metric over the rounds: each side's, and the per-round ratio's (cortado, or `pick`'s run, ÷ Java). */
export function summarize(rounds: Round[], metric: Metric, pick: (r: Round) => RunResult | undefined = (r) => r.cortado): Summary {
  const side = (r: Round) => {
    const x = pick(r);
    return x ? metric(x) : NaN;
  };
  return {
    cortado: median(rounds.map(side)),
    java: median(rounds.map((r) => (r.java ? metric(r.java) : NaN))),
    ratio: median(
      rounds.map((r) => {
        const a = side(r);
        const b = r.java ? metric(r.java) : null;
        return a === null || b === null || b === 0 ? NaN : a / b;
      }),
    ),
  };
}

/** A number with about three significant digits, or a dash when it is missing. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return String(Math.round(v));
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function cell(s: Summary): string {
  if (!Number.isFinite(s.java)) return `${fmt(s.cortado)} / —`;
  return `${fmt(s.cortado)} / ${fmt(s.java)} (**${Number.isFinite(s.ratio) ? s.ratio.toFixed(2) : '—'}**)`;
}

export const TABLE_HEADER =
  '| scenario | msg/s cortado / Java (÷) | p50 ms | p99 ms | CPU s per 100k msgs | peak RSS MB | load per round |';

// the other Node's figure and its ratio to Java's: "value (**÷ Java**)"
function altCell(s: Summary): string {
  if (!Number.isFinite(s.java)) return fmt(s.cortado);
  return `${fmt(s.cortado)} (**${Number.isFinite(s.ratio) ? s.ratio.toFixed(2) : '—'}**)`;
}

/**
 * One markdown table: each cell "cortado / Java (median cortado ÷ Java)"; with `altNode` (e.g. "Node 24"),
 * two more columns hold the cortado driver's msg/s and CPU on that Node, each with its ratio to Java.
 */
export function formatTable(scenarios: ScenarioRounds[], altNode?: string): string {
  const altHeader = altNode ? ` ${altNode}: msg/s (÷ Java) | ${altNode}: CPU s per 100k (÷ Java) |` : '';
  const lines = [TABLE_HEADER + altHeader, '|---|---|---|---|---|---|---|' + (altNode ? '---|---|' : '')];
  for (const s of scenarios) {
    const m = (k: keyof typeof METRICS) => summarize(s.rounds, METRICS[k]);
    const alt = (k: keyof typeof METRICS) => altCell(summarize(s.rounds, METRICS[k], (r) => r.cortadoAlt));
    const latency = s.rounds.some((r) => r.cortado.p50Ms !== null);
    const loads = s.rounds.map((r) => r.load.toFixed(1)).join(', ');
    lines.push(
      `| ${s.name} | ${cell(m('msgPerSec'))} | ${latency ? cell(m('p50Ms')) : '—'} | ${latency ? cell(m('p99Ms')) : '—'} | ${cell(m('cpuPer100k'))} | ${cell(m('rssMb'))} | ${loads} |` +
        (altNode ? ` ${alt('msgPerSec')} | ${alt('cpuPer100k')} |` : ''),
    );
  }
  return lines.join('\n');
}

// ---- the Kafka table: cortado, Java and kafkajs, with the targets cortado is held to ----

export interface KafkaRound {
  cortado: RunResult;
  java?: RunResult;
  /** absent when kafkajs cannot run the scenario (no LZ4 or ZSTD codec) */
  kafkajs?: RunResult;
  /** @platformatic/kafka on Node >= 22.22; absent when it was left out */
  platformatic?: RunResult;
  load: number;
}

export interface KafkaScenarioRounds {
  name: string;
  /** latency targets hold for this row (sequential produceSync) */
  latencyTargets: boolean;
  /** why kafkajs has no figures in this row, if it has none */
  kafkajsNa?: string;
  /** why @platformatic/kafka has no figures in this row (not installed, no Node >= 22.22, BENCH_PLATFORMATIC=0) */
  platformaticNa?: string;
  rounds: KafkaRound[];
}

/** Median of the per-round ratios side ÷ Java of one metric. */
function ratioVsJava(rounds: KafkaRound[], side: 'cortado' | 'kafkajs' | 'platformatic', metric: Metric): number {
  return median(
    rounds.map((r) => {
      const s = r[side];
      const a = s ? metric(s) : null;
      const b = r.java ? metric(r.java) : null;
      return a === null || b === null || b === 0 ? NaN : a / b;
    }),
  );
}

const ratioText = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');

function kafkaCell(s: KafkaScenarioRounds, metric: Metric): string {
  const m = (side: 'cortado' | 'java' | 'kafkajs' | 'platformatic') =>
    fmt(
      median(
        s.rounds.map((r) => {
          const x = r[side];
          return x ? metric(x) : NaN;
        }),
      ),
    );
  const js = s.kafkajsNa ? 'n/a' : m('kafkajs');
  const c = ratioText(ratioVsJava(s.rounds, 'cortado', metric));
  const k = s.kafkajsNa ? '' : `; ${ratioText(ratioVsJava(s.rounds, 'kafkajs', metric))}`;
  const pf = s.platformaticNa ? 'n/a' : m('platformatic');
  const p = s.platformaticNa ? '' : `; platformatic ${ratioText(ratioVsJava(s.rounds, 'platformatic', metric))}`;
  return `${m('cortado')} / ${m('java')} / ${js} / ${pf} (**${c}**${k}${p})`;
}

/** The targets (cortado ÷ Java), each with ✓ when this row's median ratio meets it. */
export const KAFKA_TARGETS: Array<{ label: string; metric: keyof typeof METRICS; atLeast?: number; atMost?: number; latency?: boolean }> = [
  { label: 'msg/s', metric: 'msgPerSec', atLeast: 1.2 },
  { label: 'CPU', metric: 'cpuPer100k', atMost: 0.7 },
  { label: 'RSS', metric: 'rssMb', atMost: 0.6 },
  { label: 'p50', metric: 'p50Ms', atMost: 1.0, latency: true },
  { label: 'p99', metric: 'p99Ms', atMost: 1.0, latency: true },
];

function targetsCell(s: KafkaScenarioRounds): string {
  return KAFKA_TARGETS.filter((t) => !t.latency || s.latencyTargets)
    .map((t) => {
      const r = ratioVsJava(s.rounds, 'cortado', METRICS[t.metric]);
      const ok = Number.isFinite(r) && (t.atLeast !== undefined ? r >= t.atLeast : r <= t.atMost!);
      return `${t.label} ${t.atLeast !== undefined ? `≥ ${t.atLeast.toFixed(1)}` : `≤ ${t.atMost!.toFixed(1)}`} ${Number.isFinite(r) ? (ok ? '✓' : '✗') : '—'}`;
    })
    .join(', ');
}

export const KAFKA_TABLE_HEADER =
  '| scenario | msg/s cortado / Java / kafkajs / @platformatic/kafka (÷ Java) | p50 ms | p99 ms | CPU s per 100k msgs | peak RSS MB | targets, cortado ÷ Java | load per round |';

/** One markdown table: each cell "cortado / Java / kafkajs / platformatic (**cortado ÷ Java**; kafkajs ÷ Java; platformatic ÷ Java)", medians over rounds. */
export function formatKafkaTable(scenarios: KafkaScenarioRounds[]): string {
  const lines = [KAFKA_TABLE_HEADER, '|---|---|---|---|---|---|---|---|'];
  for (const s of scenarios) {
    const loads = s.rounds.map((r) => r.load.toFixed(1)).join(', ');
    lines.push(
      `| ${s.name} | ${kafkaCell(s, METRICS.msgPerSec)} | ${kafkaCell(s, METRICS.p50Ms)} | ${kafkaCell(s, METRICS.p99Ms)} | ${kafkaCell(s, METRICS.cpuPer100k)} | ${kafkaCell(s, METRICS.rssMb)} | ${targetsCell(s)} | ${loads} |`,
    );
  }
  return lines.join('\n');
}

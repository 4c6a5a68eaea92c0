import type { RunResult } from './run-result';

// The side-by-side table: per scenario, medians over rounds of each side and of the
// per-round cortado ÷ Java ratios (pairing each cortado run with the Java run beside it).

export interface Round {
  cortado: RunResult;
  /** absent when Java was skipped */
  java?: RunResult;
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

/** Medians of one metric over the rounds: each side's, and the per-round ratio's. */
export function summarize(rounds: Round[], metric: Metric): Summary {
  return {
    cortado: median(rounds.map((r) => metric(r.cortado))),
    java: median(rounds.map((r) => (r.java ? metric(r.java) : NaN))),
    ratio: median(
      rounds.map((r) => {
        const a = metric(r.cortado);
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

/** One markdown table: each cell "cortado / Java (median cortado ÷ Java)". */
export function formatTable(scenarios: ScenarioRounds[]): string {
  const lines = [TABLE_HEADER, '|---|---|---|---|---|---|---|'];
  for (const s of scenarios) {
    const m = (k: keyof typeof METRICS) => summarize(s.rounds, METRICS[k]);
    const latency = s.rounds.some((r) => r.cortado.p50Ms !== null);
    const loads = s.rounds.map((r) => r.load.toFixed(1)).join(', ');
    lines.push(
      `| ${s.name} | ${cell(m('msgPerSec'))} | ${latency ? cell(m('p50Ms')) : '—'} | ${latency ? cell(m('p99Ms')) : '—'} | ${cell(m('cpuPer100k'))} | ${cell(m('rssMb'))} | ${loads} |`,
    );
  }
  return lines.join('\n');
}

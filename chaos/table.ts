import type { MemoryResult } from './memory';
import type { ScenarioResult } from './scenario';

// The chaos run's tables, as Markdown so they paste into README.

const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function codes(by: Record<string, number>): string {
  const e = Object.entries(by);
  return e.length ? e.map(([c, n]) => `${c} ${n}`).join(', ') : '0';
}

/** The slowest recovery of a scenario's faults; 'wedged' when a probe failed. */
function recovery(r: ScenarioResult): string {
  const failed = r.faults.map((f) => f.probeFailures.length);
  if (failed.some((n) => n)) return `wedged (failed probes per fault: ${failed.join(', ')})`;
  const ms = r.faults.map((f) => f.recoveryMs).filter((m): m is number => m !== undefined);
  return ms.length ? secs(Math.max(...ms)) : 'n/a';
}

export function scenarioTable(rows: ScenarioResult[]): string {
  const head = [
    'scenario',
    'mode',
    'sent',
    'resolved',
    'rejected (by code)',
    'never settled',
    'lost',
    'duplicated',
    'order violations',
    'rejected but stored',
    'read back (+probes) / admin entries',
    'recovery (max)',
    'broker down',
  ];
  const lines = rows.map((r) => [
    r.name + (r.stalled ? ' (stalled)' : '') + (r.cutShort ? ' (cut short)' : '') + (r.closeHung ? ' (close hung)' : ''),
    r.mode,
    r.handed,
    r.resolved,
    codes(r.rejectedBy),
    r.neverSettled,
    r.verdict.lost,
    r.verdict.duplicated,
    r.verdict.orderViolations,
    r.verdict.rejectedButStored,
    `${r.verdict.read} (+${r.verdict.others}) / ${r.verdict.adminBacklog ?? 'n/a'}`,
    recovery(r),
    r.faults.map((f) => (f.kind === 'unload' ? `${f.unloads} unloads` : secs(f.downMs))).join(' + '),
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

export function memoryTable(r: MemoryResult, limit: number): string {
  const head = ['messages', 'resolved', 'rejected (by code)', 'never settled', 'peak RSS growth', 'memory limit', 'stored after thaw'];
  const row = [
    r.messages,
    r.resolved,
    codes(r.rejectedBy),
    r.neverSettled,
    mib(r.growth),
    r.limitHonoured ? mib(limit) : 'none (option unknown)',
    r.stored,
  ];
  return [head, head.map(() => '---'), row].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** A reproducer line per failed scenario: the first offending key/seq of each kind, and every failed probe. */
export function examples(rows: ScenarioResult[]): string {
  return rows
    .flatMap((r) => {
      const probes = r.faults.flatMap((f, i) => f.probeFailures.map((p) => `  fault ${i + 1} (${f.kind} at ${f.at}): partition ${p}`));
      const kinds = Object.entries(r.verdict.examples).map(([k, v]) => `  ${k}: ${v.join(', ')}`);
      return probes.length || kinds.length ? [`${r.name}/${r.mode} (${r.topic}):`, ...kinds, ...probes] : [];
    })
    .join('\n');
}

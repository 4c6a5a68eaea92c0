/** Latencies in ms, kept whole for the final percentiles and per window for the live line. */
export class LatencyRecorder {
  private all = new Float64Array(1 << 16);
  private count = 0;
  private windowStart = 0;

  record(ms: number): void {
    if (this.count === this.all.length) {
      const grown = new Float64Array(this.all.length * 2);
      grown.set(this.all);
      this.all = grown;
    }
    this.all[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  /** Percentiles of what was recorded since the last call (the live line's interval). */
  takeWindow(ps: number[]): number[] {
    const w = this.all.slice(this.windowStart, this.count);
    this.windowStart = this.count;
    return percentiles(w, ps);
  }

  /** Percentiles over everything recorded. */
  overall(ps: number[]): number[] {
    return percentiles(this.all.slice(0, this.count), ps);
  }
}

/** Nearest-rank percentiles (p in 0..100) of the values; NaN when there are none. Sorts `values` in place. */
export function percentiles(values: Float64Array, ps: number[]): number[] {
  if (values.length === 0) return ps.map(() => NaN);
  values.sort();
  return ps.map((p) => values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]);
}

/** A plain text table: a header row, a rule, then rows, columns right-aligned but the first. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A number of ms to two decimals, or '-' when there is none. */
export function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : '-';
}

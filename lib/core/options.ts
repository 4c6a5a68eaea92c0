import { z } from 'zod';

// Field builders that accept both code values and the strings environment variables carry.

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const bool = () =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const s = v.trim().toLowerCase();
      return TRUE.has(s) ? true : FALSE.has(s) ? false : v;
    },
    z.boolean({ message: 'expected a boolean (true|false|1|0|yes|no)' }),
  );

export const int = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ message: `expected an integer from ${min} to ${max}` })
      .int({ message: `expected an integer from ${min} to ${max}` })
      .min(min, { message: `expected an integer from ${min} to ${max}` })
      .max(max, { message: `expected an integer from ${min} to ${max}` }),
  );

export const list = () =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
        : v,
    z.array(z.string().min(1, { message: 'expected non-empty names' }), { message: 'expected a comma-separated list' }),
  );

/** An enum matched case-insensitively, ignoring '_' and '-', so `WaitForExclusive` and `wait_for_exclusive` agree. */
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) => {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const byFolded = new Map(values.map((v) => [fold(v), v]));
  return z.preprocess(
    (v) => (typeof v === 'string' ? (byFolded.get(fold(v.trim())) ?? v) : v),
    z.enum(values, { message: `expected one of ${values.join('|')}` }),
  );
};

/** `fooBarMs` → `CORTADO_FOO_BAR_MS` */
export function envNameOf(option: string, prefix = 'CORTADO_'): string {
  return prefix + option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Reads `CORTADO_<OPTION>` for every option of a shape from an environment. */
export function readEnv(options: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of options) {
    const v = env[envNameOf(o)];
    if (v !== undefined && v !== '') out[o] = v;
  }
  return out;
}

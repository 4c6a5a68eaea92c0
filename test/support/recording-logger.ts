import type { Logger } from '../../lib/core/logger';

/** A logger that records what it was called with, console- and pino-shaped. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; args: unknown[] }> } {
  const lines: Array<{ level: string; args: unknown[] }> = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      void lines.push({ level, args });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

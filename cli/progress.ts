import * as cliProgress from 'cli-progress';

// Progress goes to stderr, so stdout stays the command's data (messages, the final table).
// On a terminal the line redraws in place; elsewhere (pipes, CI logs) it prints every notTTYMs.

export interface LiveLine {
  /** Replaces the line's text now (or at the next redraw). */
  update(text: string): void;
  /** Prints the last text once more as a plain line and stops redrawing. */
  stop(): void;
}

/** One status line redrawn in place: a wait, a benchmark round, a perf run. */
export function liveLine(initial: string, notTTYMs = 1000, stream: NodeJS.WritableStream = process.stderr): LiveLine {
  const bar = new cliProgress.SingleBar({
    format: '{text}',
    stream,
    fps: 5,
    noTTYOutput: true,
    notTTYSchedule: notTTYMs,
    hideCursor: null,
    gracefulExit: true,
    linewrap: false,
  });
  bar.start(1, 0, { text: initial });
  let last = initial;
  return {
    update(text) {
      last = text;
      bar.update(0, { text });
    },
    stop() {
      bar.update(0, { text: last });
      bar.stop();
    },
  };
}

/** Shows `label … Ns` on one line while a promise runs; the line ends with how long it took or that it failed. */
export async function waitWith<T>(label: string, work: Promise<T>, stream: NodeJS.WritableStream = process.stderr): Promise<T> {
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(0);
  const line = liveLine(`${label} … 0 s`, 5000, stream);
  const timer = setInterval(() => line.update(`${label} … ${seconds()} s`), 500);
  try {
    const out = await work;
    line.update(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return out;
  } catch (err) {
    line.update(`${label}: failed after ${seconds()} s`);
    throw err;
  } finally {
    clearInterval(timer);
    line.stop();
  }
}

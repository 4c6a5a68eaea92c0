import * as sinon from 'sinon';

// Fake time for tests over real loopback sockets: timers and Date are faked, socket I/O is not,
// so time moves in small steps with a real pause between them for the bytes to travel.

const realSetTimeout = setTimeout;
const realPause = (ms: number) => new Promise<void>((r) => realSetTimeout(r, ms));

export interface FakeTime {
  clock: sinon.SinonFakeTimers;
  /** Moves fake time on by `ms` in steps of `step`, letting real I/O happen after each. */
  run(ms: number, step?: number): Promise<void>;
  /** Moves fake time on until `check()` holds; rejects past `maxMs` of fake time. Resolves with the fake ms it took. */
  until(check: () => boolean, maxMs: number, step?: number): Promise<number>;
  restore(): void;
}

export function fakeTime(): FakeTime {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const run = async (ms: number, step = 50) => {
    for (let t = 0; t < ms; t += step) {
      await clock.tickAsync(Math.min(step, ms - t));
      await realPause(1);
    }
  };
  return {
    clock,
    run,
    async until(check, maxMs, step = 50) {
      const t0 = Date.now();
      while (!check()) {
        if (Date.now() - t0 >= maxMs) throw new Error(`the condition did not hold within ${maxMs} ms of fake time`);
        await run(step, step);
      }
      return Date.now() - t0;
    },
    restore: () => clock.restore(),
  };
}

import type { Producer } from '../lib';

// The keyed workload of a chaos run and the ledger of what became of every send.

/** Message i carries key i % keys and that key's sequence number floor(i / keys). */
export interface WorkloadOptions {
  messages: number;
  keys: number;
  /** sends handed over and not yet settled, at most */
  inFlight: number;
  payloadBytes: number;
  /** spread the hand-over over at least this long (0: as fast as the window allows) */
  minDurationMs: number;
  /** give up handing over when no send settled for this long */
  stallMs: number;
  /** stop handing over after this long (a collapsed send rate would otherwise run for hours) */
  maxMs: number;
}

export const PENDING = 0;
export const RESOLVED = 1;
export const REJECTED = 2;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const keyName = (k: number) => `k${String(k).padStart(4, '0')}`;

/** `run|key|seq|` padded with x to the payload size, so a read-back message names its send. */
export function payloadOf(run: string, key: number, seq: number, bytes: number): Buffer {
  const head = `${run}|${key}|${seq}|`;
  return Buffer.from(head.padEnd(Math.max(bytes, head.length), 'x'));
}

/** [key, seq] of a payload written by payloadOf for this run; undefined for anything else. */
export function parsePayload(run: string, value: Buffer): [number, number] | undefined {
  const parts = value.subarray(0, 64).toString('latin1').split('|');
  if (parts.length < 4 || parts[0] !== run) return undefined;
  return [Number(parts[1]), Number(parts[2])];
}

/** What became of each send, by message index. */
export class Ledger {
  readonly state: Uint8Array;
  readonly rejectedBy = new Map<string, number>();
  handed = 0;
  settled = 0;
  resolved = 0;
  stalled = false;
  /** the hand-over stopped at WorkloadOptions.maxMs */
  cutShort = false;
  /** called with each resolved send's receipt (the Kafka run times recovery per partition) */
  onResolved?: (i: number, receipt: unknown) => void;
  private wake?: () => void;
  private readonly watchers: Array<{ at: number; go: () => void }> = [];

  constructor(readonly size: number) {
    this.state = new Uint8Array(size);
  }

  settle(i: number, err?: unknown, receipt?: unknown): void {
    if (this.state[i] !== PENDING) return;
    this.settled++;
    if (err === undefined) {
      this.state[i] = RESOLVED;
      this.resolved++;
      this.onResolved?.(i, receipt);
    } else {
      this.state[i] = REJECTED;
      const e = err as { code?: string; serverError?: string; name?: string };
      const code = `${e?.code ?? e?.name ?? 'UNKNOWN'}${e?.serverError ? ` ${e.serverError}` : ''}`;
      this.rejectedBy.set(code, (this.rejectedBy.get(code) ?? 0) + 1);
    }
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  get pending(): number {
    return this.handed - this.settled;
  }

  /** resolves once `n` messages were handed over (or the workload ended short of it) */
  reached(n: number): Promise<void> {
    if (this.handed >= n || this.stalled) return Promise.resolve();
    return new Promise((go) => this.watchers.push({ at: n, go }));
  }

  /** @internal the driver reports progress and its end */
  progress(ended = false): void {
    for (let i = this.watchers.length - 1; i >= 0; i--) {
      if (ended || this.handed >= this.watchers[i].at) this.watchers.splice(i, 1)[0].go();
    }
  }

  /** resolves on the next settle, or after ms */
  nextSettle(ms: number): Promise<boolean> {
    return new Promise((r) => {
      const t = setTimeout(() => r(false), ms);
      this.wake = () => {
        clearTimeout(t);
        r(true);
      };
    });
  }

  /** waits until every handed-over send settled, or ms passed; resolves with how many are still unsettled */
  async drain(ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.pending > 0 && Date.now() < deadline) await this.nextSettle(Math.min(1000, deadline - Date.now()));
    return this.pending;
  }
}

/** Hands every message of the workload to `producer.produce()`, keeping at most `inFlight` unsettled. */
export async function drive(producer: Producer, topic: string, run: string, o: WorkloadOptions, ledger: Ledger): Promise<void> {
  const t0 = Date.now();
  const msPer = o.minDurationMs / o.messages;
  for (let i = 0; i < o.messages; i++) {
    while (ledger.pending >= o.inFlight) {
      if (!(await ledger.nextSettle(o.stallMs)) && ledger.pending >= o.inFlight) {
        ledger.stalled = true;
        ledger.progress(true);
        return;
      }
    }
    if (Date.now() - t0 > o.maxMs) {
      ledger.cutShort = true;
      break;
    }
    const due = t0 + i * msPer;
    if (msPer > 0 && Date.now() < due) await sleep(due - Date.now());
    const key = i % o.keys;
    const seq = Math.floor(i / o.keys);
    producer.produce(topic, keyName(key), payloadOf(run, key, seq, o.payloadBytes)).then(
      (receipt: unknown) => ledger.settle(i, undefined, receipt),
      (err: unknown) => ledger.settle(i, err),
    );
    ledger.handed++;
    if ((i & 63) === 0) ledger.progress();
  }
  ledger.progress(true);
}

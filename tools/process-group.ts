import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

// A long-running child in its own process group that never outlives this Node process.

// Runs the command under a small bash keeper: it waits for the command (so the group lives exactly
// as long as it does) and kills it and removes the scratch dir if this Node process vanishes, even
// by SIGKILL, when no Node handler can run.
const KEEPER = `
parent=$1; scratch=$2; shift 2
"$@" & child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit $?' TERM INT HUP
while kill -0 "$parent" 2>/dev/null; do
  kill -0 "$child" 2>/dev/null || { wait "$child"; exit $?; }
  sleep 1 & wait $!
done
kill -KILL "$child" 2>/dev/null; wait "$child"; rm -rf "$scratch"
`;

export interface GroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr of the command are appended here */
  logFile: string;
  /** removed when the group is stopped or this process ends */
  scratchDir: string;
}

export interface Group {
  pid: number;
  /** undefined while running, else the exit code (null when killed by a signal) */
  exitCode(): number | null | undefined;
  /** SIGTERM to the group, SIGKILL after graceMs, then removes the scratch dir */
  stop(graceMs?: number): Promise<void>;
  /** sends a signal to every process of the group (SIGSTOP/SIGCONT to freeze and thaw); false when none is left */
  signal(sig: NodeJS.Signals): boolean;
  /** SIGKILL to the group, as a crash would; waits until it is gone and keeps the scratch dir for a restart */
  crash(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startGroup(cmd: string, args: string[], o: GroupOptions): Group {
  const out = fs.openSync(o.logFile, 'a');
  const child = spawn('bash', ['-c', KEEPER, 'keeper', String(process.pid), o.scratchDir, cmd, ...args], {
    cwd: o.cwd,
    env: o.env,
    detached: true, // its own process group, so one kill reaches the JVM too
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start bash for ${cmd}`);
  const pid = child.pid;
  let code: number | null | undefined;
  child.on('exit', (c) => (code = c));

  const signalGroup = (sig: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // ESRCH: nobody left in the group
    }
  };
  const groupAlive = () => signalGroup(0);

  // Synchronous last-chance cleanup: process 'exit' handlers cannot wait for anything.
  const killNow = () => {
    signalGroup('SIGKILL');
    fs.rmSync(o.scratchDir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    killNow();
    unguard();
    // exit as Node would have, unless someone else listens (adding a listener disabled the default)
    if (process.listenerCount(sig) === 0) process.exit(128 + os.constants.signals[sig]);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.on('exit', killNow);
  // first in line, so listeners after us (signal-exit in testcontainers) see us gone and exit
  for (const s of signals) process.prependListener(s, onSignal);
  const unguard = () => {
    process.removeListener('exit', killNow);
    for (const s of signals) process.removeListener(s, onSignal);
  };

  const waitGone = async () => {
    for (let i = 0; i < 150 && groupAlive(); i++) await sleep(100);
  };

  return {
    pid,
    exitCode: () => code,
    signal: (sig) => signalGroup(sig),
    async crash() {
      unguard();
      signalGroup('SIGKILL');
      await waitGone();
    },
    async stop(graceMs = 15_000) {
      unguard();
      signalGroup('SIGTERM');
      signalGroup('SIGCONT'); // a frozen group would hold the TERM until thawed
      const deadline = Date.now() + graceMs;
      while (groupAlive() && Date.now() < deadline) await sleep(200);
      if (groupAlive()) {
        signalGroup('SIGKILL');
        await waitGone();
      }
      fs.rmSync(o.scratchDir, { recursive: true, force: true });
    },
  };
}

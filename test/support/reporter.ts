import * as Mocha from 'mocha';

const { EVENT_RUN_END } = Mocha.Runner.constants;

/** Mocha's spec reporter plus one plain closing line: `tests: N passed, N failed, N skipped`. */
class CortadoReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats!;
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

export = CortadoReporter;

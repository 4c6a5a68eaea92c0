import * as Mocha from 'mocha';

const { EVENT_RUN_END } = Mocha.Runner.constants;

/** Mocha's spec reporter plus one closing line CI reads: `tests: N passed, N failed, N skipped`. */
class CortadoReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    // registered after Spec's own epilogue, so the line comes last
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

// CommonJS `module.exports = CortadoReporter`, the shape `mocha --reporter <file>` loads
export = CortadoReporter;

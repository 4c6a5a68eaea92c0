import { expect } from 'chai';

describe('package', () => {
  it('is importable by its name from inside the repository', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cortado = require('cortado');
    expect(cortado.Producer).to.be.a('function');
    expect(cortado.Consumer).to.be.a('function');
    expect(cortado.STRATEGY_NAMES).to.include('md5');
  });
});

describe('package layout', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require('path') as typeof import('path');
  const root = path.resolve(__dirname, '../../..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
    main: string;
    types: string;
  };

  it('test:unit runs the unit tests only (regression: its --spec was added to .mocharc spec list, so it ran every integration test)', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const unit = scripts['test:unit'];
    // mocha merges --spec with the config's spec list; only --no-config keeps the integration files out
    expect(unit).to.include('--no-config');
    expect(unit).to.include("'dist/test/unit/**/*.test.js'");
    expect(unit).to.not.include('integration');
  });

  it('ships the cortado command: built, executable by node through its shebang, inside `files`', () => {
    const bin = path.join(root, pkg.bin.cortado);
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).to.equal(true);
    for (const f of [pkg.bin.cortado, pkg.main, pkg.types]) {
      expect(
        pkg.files.some((dir) => f.startsWith(`${dir}/`)),
        f,
      ).to.equal(true);
    }
  });

  it('builds the package apart from the tests: its tsconfig has no mocha types and includes no test code', () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { types: string[] };
      include: string[];
    };
    expect(cfg.compilerOptions.types).to.deep.equal(['node']);
    for (const dir of ['test', 'bench', 'demo', 'examples']) expect(cfg.include).to.not.include(dir);
  });
});

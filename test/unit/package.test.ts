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

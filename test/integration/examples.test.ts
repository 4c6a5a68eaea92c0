import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { EXPECTED, runExample } from './examples-expected';
import { withBroker } from './helpers';

// Every file in examples/ runs as a user would run it (node dist/examples/<name>.js) against the
// run's broker, named through CORTADO_URL and CORTADO_ADMIN_URL, and prints what it claims.
const DIR = path.resolve(__dirname, '../../examples');

describe('examples/ run as written', () => {
  const b = withBroker();
  const names = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();

  it('every example has its expected output listed here, and every listed one exists', () => {
    expect(names).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  for (const name of Object.keys(EXPECTED)) {
    it(`${name}`, async function () {
      this.timeout(120_000);
      const r = await runExample(process.execPath, [path.join(DIR, `${name}.js`)], {
        CORTADO_URL: b.broker.serviceUrl,
        CORTADO_ADMIN_URL: b.broker.adminUrl,
      });
      expect(r.code, r.out).to.equal(0);
      for (const re of EXPECTED[name]) expect(r.out).to.match(re);
    });
  }
});

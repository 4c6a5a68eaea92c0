import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { parseProducerConfig, type ProducerOptions } from '../../../../lib/core/config';
import { herokuKafkaOptions } from '../../../../lib/kafka/heroku';
import { saslAuthenticator } from '../../../../lib/kafka/sasl';
import { createPki, Pki } from '../../../../tools/pki';
import { configError } from '../../../support/config-error';

const kafkaConfig = (o: ProducerOptions) => parseProducerConfig(o, {}) as unknown as Parameters<typeof saslAuthenticator>[0];

describe('Kafka security options: SASL settings, secrets and Heroku mode', function () {
  this.timeout(20_000);
  let pki: Pki;
  let dir: string;
  let ca: string;
  let cert: string;
  let key: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-ksec-'));
    pki = createPki(path.join(dir, 'pki'));
    ca = fs.readFileSync(pki.caCert, 'utf8');
    cert = fs.readFileSync(pki.clientCert, 'utf8');
    key = fs.readFileSync(pki.clientKey, 'utf8');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const heroku = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    CORTADO_HEROKU_KAFKA_ENV: 'true',
    KAFKA_URL: 'kafka+ssl://ec2-1.example.com:9096,kafka+ssl://ec2-2.example.com:9096',
    KAFKA_TRUSTED_CERT: ca,
    KAFKA_CLIENT_CERT: cert,
    KAFKA_CLIENT_CERT_KEY: key,
    ...extra,
  });

  it('reads the SASL settings from CORTADO_SASL_* and from options (options win)', () => {
    const env = {
      CORTADO_URL: 'kafka://127.0.0.1:9092',
      CORTADO_SASL_MECHANISM: 'SCRAM-SHA-512',
      CORTADO_SASL_USERNAME: 'alice',
      CORTADO_SASL_PASSWORD: 'alice-secret',
    };
    const c = parseProducerConfig({}, env);
    expect(c).to.include({ saslMechanism: 'scram-sha-512', saslUsername: 'alice', saslPassword: 'alice-secret' });
    expect(parseProducerConfig({ saslMechanism: 'plain', saslUsername: 'bob' }, env)).to.include({
      saslMechanism: 'plain',
      saslUsername: 'bob',
    });
  });

  it('a ConfigError never shows saslPassword: not in its message, value or inspection', () => {
    const secret = 'Pa55-never-shown';
    const errs = [
      // a Kafka option under a pulsar:// URL, from code and from the environment
      configError(() => parseProducerConfig({ url: 'pulsar://127.0.0.1:6650', saslPassword: secret }, {})),
      configError(() => parseProducerConfig({}, { CORTADO_URL: 'pulsar://127.0.0.1:6650', CORTADO_SASL_PASSWORD: secret })),
      // not a string
      configError(() => parseProducerConfig({ url: 'kafka://127.0.0.1:9092', saslPassword: 12345678 as unknown as string }, {})),
      // a mechanism without a user name
      configError(() => saslAuthenticator(kafkaConfig({ url: 'kafka://127.0.0.1:9092', saslMechanism: 'plain', saslPassword: secret }))),
    ];
    for (const e of errs) {
      const shown = `${e.message} ${String(e.value)} ${util.inspect(e)} ${JSON.stringify(e)}`;
      expect(shown).to.not.include(secret);
      expect(shown).to.not.include('12345678');
    }
    expect(errs[0].message).to.match(/saslPassword is a kafka option/);
    expect(errs[0].value).to.equal('[redacted]');
  });

  it('Heroku mode maps KAFKA_URL and the KAFKA_*_CERT PEMs to url, tlsCa, tlsCert, tlsKey, hostname verification off', () => {
    const c = parseProducerConfig({}, heroku());
    expect(c.url).to.equal('kafka+ssl://ec2-1.example.com:9096,kafka+ssl://ec2-2.example.com:9096');
    expect(c).to.include({ tlsCa: ca, tlsCert: cert, tlsKey: key, tlsHostnameVerification: false, herokuKafkaEnv: true });
    // the option turns it on as well as the variable
    const { CORTADO_HEROKU_KAFKA_ENV: _on, ...rest } = heroku();
    expect(parseProducerConfig({ herokuKafkaEnv: true }, rest).tlsCa).to.equal(ca);
  });

  it('Heroku mode: explicit options and CORTADO_* win over the KAFKA_* variables', () => {
    const c = parseProducerConfig(
      { url: 'kafka+ssl://10.0.0.1:9096', tlsHostnameVerification: true, tlsCaFile: pki.caCert },
      heroku({ CORTADO_TLS_CERT_FILE: pki.clientCert, CORTADO_TLS_KEY_FILE: pki.clientKey }),
    );
    expect(c.url).to.equal('kafka+ssl://10.0.0.1:9096');
    expect(c.tlsHostnameVerification).to.equal(true);
    expect(c).to.include({ tlsCaFile: pki.caCert, tlsCertFile: pki.clientCert, tlsKeyFile: pki.clientKey });
    expect(c.tlsCa).to.equal(undefined);
    expect(c.tlsCert).to.equal(undefined);
    expect(c.tlsKey).to.equal(undefined);
    expect(parseProducerConfig({}, heroku({ CORTADO_URL: 'kafka+ssl://10.0.0.2:9096' })).url).to.equal('kafka+ssl://10.0.0.2:9096');
  });

  it('Heroku mode off: the KAFKA_* variables are ignored', () => {
    const { CORTADO_HEROKU_KAFKA_ENV: _on, ...env } = heroku();
    expect(herokuKafkaOptions({}, env)).to.equal(undefined);
    expect(herokuKafkaOptions({}, { ...env, CORTADO_HEROKU_KAFKA_ENV: 'false' })).to.equal(undefined);
    const c = parseProducerConfig({}, env);
    expect(c.url).to.not.include('ec2-1');
    expect(c.tlsCa).to.equal(undefined);
  });

  it('Heroku mode: a missing KAFKA_URL or a variable without PEM is a ConfigError naming it, never echoing the key', () => {
    const noUrl = configError(() => parseProducerConfig({}, heroku({ KAFKA_URL: '' })));
    expect(noUrl.message).to.match(/KAFKA_URL is not set/);
    const badKey = configError(() => parseProducerConfig({}, heroku({ KAFKA_CLIENT_CERT_KEY: 'hunter2-not-a-pem' })));
    expect(badKey.message).to.match(/KAFKA_CLIENT_CERT_KEY/);
    expect(`${badKey.message} ${String(badKey.value)}`).to.not.include('hunter2');
    const badUrl = configError(() => parseProducerConfig({}, heroku({ KAFKA_URL: 'kafka+ssl://host:99999' })));
    expect(badUrl.message).to.match(/out of range/);
  });
});

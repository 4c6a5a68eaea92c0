import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createPki, Pki } from '../../../../tools/pki';
import { parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { parseProducerConfig } from '../../../../lib/core/config';
import { configError } from '../../../support/config-error';

describe('lib/config security settings', function () {
  this.timeout(20_000);
  let pki: Pki;
  let dir: string;
  let creds: string;
  let tokenFile: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-seccfg-'));
    pki = createPki(path.join(dir, 'pki'));
    creds = path.join(dir, 'creds.json');
    fs.writeFileSync(creds, JSON.stringify({ client_id: 'app', client_secret: 'very-secret-value' }));
    tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'eyJhbGciOi.secret.token\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every new variable from the environment', () => {
    const env = {
      CORTADO_URL: 'pulsar+ssl://127.0.0.1:6651',
      CORTADO_TLS_CA: fs.readFileSync(pki.caCert, 'utf8'),
      CORTADO_TLS_CERT: fs.readFileSync(pki.clientCert, 'utf8'),
      CORTADO_TLS_KEY: fs.readFileSync(pki.clientKey, 'utf8'),
      CORTADO_TLS_HOSTNAME_VERIFICATION: 'false',
      CORTADO_OAUTH2_ISSUER_URL: 'https://issuer.example/',
      CORTADO_OAUTH2_CREDENTIALS_FILE: creds,
      CORTADO_OAUTH2_AUDIENCE: 'urn:pulsar',
      CORTADO_OAUTH2_SCOPE: 'produce consume',
      CORTADO_LISTENER_NAME: 'external',
    };
    const c = parseConsumerConfig({}, env);
    expect(c.tlsCa).to.include('BEGIN CERTIFICATE');
    expect(c.tlsHostnameVerification).to.equal(false);
    expect(c.oauth2IssuerUrl).to.equal('https://issuer.example/');
    expect(c.oauth2Audience).to.equal('urn:pulsar');
    expect(c.oauth2Scope).to.equal('produce consume');
    expect(c.listenerName).to.equal('external');
    expect(parseProducerConfig({}, { CORTADO_AUTH_TOKEN_FILE: tokenFile }).authTokenFile).to.equal(tokenFile);
    expect(parseProducerConfig({}, {}).tlsHostnameVerification).to.equal(true);
  });

  it('keeps the existing file variables', () => {
    const c = parseProducerConfig(
      {},
      {
        CORTADO_TLS_CA_FILE: pki.caCert,
        CORTADO_TLS_CERT_FILE: pki.clientCert,
        CORTADO_TLS_KEY_FILE: pki.clientKey,
        CORTADO_TLS_ALLOW_INSECURE: 'true',
      },
    );
    expect(c.tlsCaFile).to.equal(pki.caCert);
    expect(c.tlsAllowInsecure).to.equal(true);
  });

  it('names the variable of a missing or unreadable file', () => {
    for (const v of ['CORTADO_TLS_CA_FILE', 'CORTADO_TLS_CERT_FILE', 'CORTADO_AUTH_TOKEN_FILE', 'CORTADO_OAUTH2_CREDENTIALS_FILE']) {
      const env: Record<string, string> = { [v]: path.join(dir, 'nope.pem') };
      if (v === 'CORTADO_TLS_CERT_FILE') env.CORTADO_TLS_KEY_FILE = pki.clientKey;
      if (v === 'CORTADO_OAUTH2_CREDENTIALS_FILE') env.CORTADO_OAUTH2_ISSUER_URL = 'http://127.0.0.1:1';
      const e = configError(() => parseProducerConfig({}, env));
      expect(e.envVar).to.equal(v);
      expect(e.message).to.include(v).and.include('ENOENT');
    }
  });

  it('names the variable of a malformed PEM and never echoes a key', () => {
    const badCa = configError(() => parseProducerConfig({}, { CORTADO_TLS_CA: 'not a pem' }));
    expect(badCa.envVar).to.equal('CORTADO_TLS_CA');
    const cert = fs.readFileSync(pki.clientCert, 'utf8');
    const broken = cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(configError(() => parseProducerConfig({}, { CORTADO_TLS_CA: broken })).message).to.include('malformed');
    const badKey = configError(() =>
      parseProducerConfig(
        {},
        { CORTADO_TLS_CERT: cert, CORTADO_TLS_KEY: '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----' },
      ),
    );
    expect(badKey.envVar).to.equal('CORTADO_TLS_KEY');
    expect(badKey.message).to.not.include('c2VjcmV0');
    expect(JSON.stringify(badKey.value)).to.not.include('c2VjcmV0');
    expect(configError(() => parseProducerConfig({}, { CORTADO_TLS_CERT: cert })).message).to.include('needs its key');
    expect(configError(() => parseProducerConfig({ tlsCaFile: pki.caCert }, { CORTADO_TLS_CA: cert })).message).to.include('not both');
  });

  it('rejects a bad issuer URL and a credentials file without client_secret, secrets unsaid', () => {
    const url = configError(() =>
      parseProducerConfig({}, { CORTADO_OAUTH2_ISSUER_URL: 'not a url', CORTADO_OAUTH2_CREDENTIALS_FILE: creds }),
    );
    expect(url.envVar).to.equal('CORTADO_OAUTH2_ISSUER_URL');
    expect(
      configError(() => parseProducerConfig({}, { CORTADO_OAUTH2_ISSUER_URL: 'ftp://x', CORTADO_OAUTH2_CREDENTIALS_FILE: creds })).message,
    ).to.include('https://');
    expect(configError(() => parseProducerConfig({}, { CORTADO_OAUTH2_ISSUER_URL: 'https://x' })).envVar).to.equal(
      'CORTADO_OAUTH2_CREDENTIALS_FILE',
    );
    const half = path.join(dir, 'half.json');
    fs.writeFileSync(half, JSON.stringify({ client_id: 'app' }));
    const e = configError(() => parseProducerConfig({}, { CORTADO_OAUTH2_ISSUER_URL: 'https://x', CORTADO_OAUTH2_CREDENTIALS_FILE: half }));
    expect(e.message).to.include('client_secret');
    const notJson = path.join(dir, 'bad.json');
    fs.writeFileSync(notJson, '{"client_secret": "very-secret-value"');
    const j = configError(() =>
      parseProducerConfig({}, { CORTADO_OAUTH2_ISSUER_URL: 'https://x', CORTADO_OAUTH2_CREDENTIALS_FILE: notJson }),
    );
    expect(j.message).to.include('not valid JSON').and.not.include('very-secret-value');
  });

  it('refuses two authentication methods at once and never echoes a token', () => {
    const e = configError(() => parseProducerConfig({ authToken: 'tok-abc' }, { CORTADO_AUTH_TOKEN_FILE: tokenFile }));
    expect(e.message).to.include('choose one').and.not.include('tok-abc');
    const typed = configError(() => parseProducerConfig({ authToken: 42 as unknown as string }, {}));
    expect(typed.message).to.include('[redacted]').and.not.include('42');
    expect(configError(() => parseProducerConfig({ authTokenSupplier: 'x' as unknown as () => string }, {})).option).to.equal(
      'authTokenSupplier',
    );
    expect(parseProducerConfig({ authTokenSupplier: () => 't' }, {}).authTokenSupplier).to.be.a('function');
  });

  it('says "option x" for code values and the variable for env values', () => {
    expect(configError(() => parseProducerConfig({ tlsCaFile: '/nope' }, {})).message).to.match(/^option tlsCaFile/);
    expect(configError(() => parseProducerConfig({}, { CORTADO_TLS_CA_FILE: '/nope' })).message).to.match(
      /^CORTADO_TLS_CA_FILE \(option tlsCaFile\)/,
    );
  });
});

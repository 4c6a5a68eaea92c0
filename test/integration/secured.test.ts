import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { signJwt } from '../../tools/pki';
import { topicPath } from '../../tools/admin';
import { SecuredBroker, startSecuredBroker } from '../../tools/secured-standalone';
import { Producer, ProducerOptions, MessageId } from '../../lib';
import { AuthenticationError, AuthorizationError } from '../../lib/core/errors';
import { startIssuer, TestIssuer } from '../support/oauth2-issuer';
import { readBack, sleep, uniqueTopic } from './helpers';

// One secured standalone for this file: TLS beside plain, token + TLS authentication, authorization
// and a 2 s authentication refresh check.
describe('Secured broker: TLS, token, mTLS and OAuth2', function () {
  this.timeout(120_000);
  let b: SecuredBroker;
  let issuer: TestIssuer;
  const open: Producer[] = [];

  before(async function () {
    this.timeout(300_000);
    b = await startSecuredBroker();
    for (const role of ['app', b.pki.clientRole, 'oauth-app']) await b.grant(role);
    issuer = await startIssuer(b.pki.jwtPrivateKey, { 'oauth-app': 'oauth-secret' });
  });
  after(async function () {
    this.timeout(60_000);
    await issuer?.close();
    await b?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close().catch(() => undefined)));
  });

  const tls = () => ({ url: b.serviceUrlTls, tlsCaFile: b.pki.caCert });
  async function producer(opts: ProducerOptions): Promise<Producer> {
    const p = new Producer<MessageId>({ sendTimeoutMs: 30_000, ...opts }, {});
    open.push(p);
    await p.start();
    return p;
  }
  async function stats(topic: string) {
    return (await (await b.admin('GET', `/admin/v2/${topicPath(topic)}/stats`)).json()) as {
      msgInCounter: number;
      publishers: Array<{ connectedSince: string }>;
    };
  }

  it('produces and consumes over pulsar+ssl:// with a token, CA and hostname verified', async () => {
    const topic = uniqueTopic('tls-token');
    const auth = { ...tls(), authToken: b.token('app') };
    const p = await producer({ ...auth, topics: [topic] });
    await p.produceSync(topic, 'k', 'over tls');
    const [m] = await readBack(b.serviceUrlTls, topic, 1, { tlsCaFile: b.pki.caCert, authToken: auth.authToken });
    expect(m.value.toString()).to.equal('over tls');
    // localhost is in the certificate too
    const byName = await producer({
      url: b.serviceUrlTls.replace('127.0.0.1', 'localhost'),
      tlsCaFile: b.pki.caCert,
      authToken: auth.authToken,
      topics: [topic],
    });
    await byName.produceSync(topic, 'k', 'by name');
  });

  it('refuses a wrong or missing token with a typed AuthenticationError', async () => {
    const topic = uniqueTopic('refused');
    const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: ProducerOptions[] = [{ authToken: signJwt(otherKey, { sub: 'app' }) }, { authToken: b.token('app', -60) }, {}];
    for (const c of cases) {
      const e = await producer({ ...tls(), ...c, topics: [topic] }).catch((x) => x);
      expect(e, JSON.stringify(Object.keys(c))).to.be.instanceOf(AuthenticationError);
      expect(e.code).to.equal('AUTHENTICATION');
      if (c.authToken) expect(e.message).to.not.include(c.authToken);
    }
  });

  it('refuses a known role without permission with a typed AuthorizationError', async () => {
    const e = await producer({ ...tls(), authToken: b.token('nobody'), topics: [uniqueTopic('denied')] }).catch((x) => x);
    expect(e).to.be.instanceOf(AuthorizationError);
    expect(e.code).to.equal('AUTHORIZATION');
  });

  it('regression: a token that expires mid-stream was never refreshed through AUTH_CHALLENGE (file rotated, producer keeps sending)', async () => {
    const topic = uniqueTopic('refresh');
    const file = path.join(b.dir, 'rotating.jwt');
    const lifetime = 5;
    fs.writeFileSync(file, b.token('app', lifetime));
    const p = await producer({ ...tls(), authTokenFile: file, topics: [topic] });
    await p.produceSync(topic, 'k', 'first');
    const before = await stats(topic);
    // rotate the file well before the first token expires; the broker notices the expiry at its next check
    fs.writeFileSync(file, b.token('app', 600));
    const sent: Promise<unknown>[] = [];
    const until = Date.now() + (lifetime + 4 * b.refreshCheckSeconds + 2) * 1000;
    while (Date.now() < until) {
      sent.push(p.produceSync(topic, 'k', `m${sent.length}`));
      await sleep(100);
    }
    await Promise.all(sent);
    const after = await stats(topic);
    expect(after.msgInCounter).to.equal(sent.length + 1);
    // the same connection all along: the broker never dropped it for an expired token
    expect(after.publishers).to.have.length(1);
    expect(after.publishers[0].connectedSince).to.equal(before.publishers[0].connectedSince);
  });

  it('mTLS: a client certificate authenticates with the tls method (role from its CN)', async () => {
    const topic = uniqueTopic('mtls');
    const p = await producer({ ...tls(), tlsCertFile: b.pki.clientCert, tlsKeyFile: b.pki.clientKey, topics: [topic] });
    await p.produceSync(topic, 'k', 'mtls');
    expect((await stats(topic)).msgInCounter).to.equal(1);
    // PEM text from the environment works the same way
    const env = {
      CORTADO_URL: b.serviceUrlTls,
      CORTADO_TLS_CA: fs.readFileSync(b.pki.caCert, 'utf8'),
      CORTADO_TLS_CERT: fs.readFileSync(b.pki.clientCert, 'utf8'),
      CORTADO_TLS_KEY: fs.readFileSync(b.pki.clientKey, 'utf8'),
      CORTADO_TOPICS: topic,
    };
    const fromEnv = new Producer<MessageId>({}, env);
    open.push(fromEnv);
    await fromEnv.start();
    await fromEnv.produceSync('k', 'from env');
    expect((await stats(topic)).msgInCounter).to.equal(2);
  });

  it('OAuth2 client credentials against a local issuer the broker trusts', async () => {
    const topic = uniqueTopic('oauth2');
    const creds = path.join(b.dir, 'oauth2.json');
    fs.writeFileSync(creds, JSON.stringify({ client_id: 'oauth-app', client_secret: 'oauth-secret' }));
    const asked = issuer.requests.length;
    const p = await producer({
      ...tls(),
      oauth2IssuerUrl: issuer.url,
      oauth2CredentialsFile: creds,
      oauth2Audience: 'urn:pulsar:test',
      oauth2Scope: 'produce',
      topics: [topic],
    });
    await p.produceSync(topic, 'k', 'oauth2');
    expect((await stats(topic)).msgInCounter).to.equal(1);
    expect(issuer.requests.slice(asked)[0]).to.include({ client_id: 'oauth-app', audience: 'urn:pulsar:test', scope: 'produce' });
    const wrong = path.join(b.dir, 'oauth2-wrong.json');
    fs.writeFileSync(wrong, JSON.stringify({ client_id: 'oauth-app', client_secret: 'nope' }));
    const e = await producer({ ...tls(), oauth2IssuerUrl: issuer.url, oauth2CredentialsFile: wrong, topics: [topic] }).catch((x) => x);
    expect(e).to.be.instanceOf(AuthenticationError);
  });
});

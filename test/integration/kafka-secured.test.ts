import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import {
  AuthenticationError,
  Client,
  ClientOptions,
  ConnectionError,
  Producer,
  ProducerOptions,
  RecordMetadata,
  TlsError,
} from '../../lib';
import type { KafkaBackend } from '../../lib/kafka/backend';
import { KafkaBroker, startKafka } from '../../tools/kafka-broker';
import { clientConfig, javaConsume } from '../../tools/kafka-java';
import { startIssuer, TestIssuer } from '../support/oauth2-issuer';
import * as path from 'path';

const RUN = crypto.randomBytes(3).toString('hex');
const topicName = (base: string) => `${base}-${RUN}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One secured Kafka for this file: plaintext, SASL_PLAINTEXT, SSL, mTLS and SASL_SSL listeners, user
// alice, OAUTHBEARER with unsecured tokens, and SASL sessions that last 3 s so re-authentication happens within a test.
describe('Kafka producer against a secured Kafka broker: TLS, mTLS, SASL and re-authentication', function () {
  this.timeout(180_000);
  let b: KafkaBroker;
  const open: Producer[] = [];
  let caPem: string;

  before(async function () {
    this.timeout(300_000);
    b = await startKafka({ sasl: true, oauthbearer: true, tls: true, config: { 'connections.max.reauth.ms': '3000' } });
    caPem = fs.readFileSync(b.pki!.caCert, 'utf8');
  });
  after(async function () {
    this.timeout(60_000);
    await b?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close().catch(() => undefined)));
  });

  async function producer(opts: ProducerOptions, env: NodeJS.ProcessEnv = {}): Promise<Producer<RecordMetadata>> {
    const p = new Producer<RecordMetadata>({ operationTimeoutMs: 20_000, ...opts }, env);
    open.push(p);
    await p.start();
    return p;
  }

  /** Sends three records over `p` and reads them back with the Java consumer over the plaintext listener. */
  async function roundTrip(p: Producer<RecordMetadata>, topic: string): Promise<void> {
    const ids: RecordMetadata[] = [];
    for (let i = 0; i < 3; i++) ids.push(await p.produceSync(topic, `k${i}`, `v${i}`));
    for (const id of ids) expect(id.offset).to.be.at.least(0);
    const seen = await javaConsume(b, topic, 3, 60_000);
    expect(seen.map((r) => r.value!.toString()).sort()).to.deep.equal(['v0', 'v1', 'v2']);
  }

  async function failure(opts: ProducerOptions, env: NodeJS.ProcessEnv = {}): Promise<{ err: Error; ms: number }> {
    const t0 = Date.now();
    const err = (await producer(opts, env).then(
      () => new Error('start() succeeded'),
      (e: Error) => e,
    )) as Error;
    return { err, ms: Date.now() - t0 };
  }

  /**
   * Sends one record every `everyMs` for `forMs` over a client of `options`: every send succeeds on the one
   * connection, which re-authenticated at least `reauths` times (KIP-368). Resolves with the count sent.
   */
  async function sendThroughReauth(
    options: ClientOptions,
    topic: string,
    forMs: number,
    everyMs: number,
    reauths: number,
  ): Promise<number> {
    const client = new Client(options, {});
    try {
      const p = client.producer({ topics: [topic] }) as Producer<RecordMetadata>;
      await p.start();
      const cluster = (client as unknown as { session: { backend: KafkaBackend } }).session.backend.cluster;
      const conn = await cluster.anyConnection();
      const sends: Array<Promise<RecordMetadata>> = [];
      const until = Date.now() + forMs;
      while (Date.now() < until) {
        sends.push(p.produceSync(topic, `k${sends.length % 4}`, `m${sends.length}`));
        await sleep(everyMs);
      }
      const ids = await Promise.all(sends);
      expect(ids).to.have.length(sends.length);
      // the same connection all along, renewed before each session ran out
      expect(conn.closed).to.equal(false);
      expect(await cluster.anyConnection()).to.equal(conn);
      expect(conn.reauthentications).to.be.at.least(reauths);
      await p.close();
      return sends.length;
    } finally {
      await client.close();
    }
  }

  it('kafka+ssl:// with the CA as a file and as PEM text, host names verified (by IP and by localhost)', async () => {
    const topic = topicName('ks-ssl');
    const url = b.listeners.ssl!.url;
    await roundTrip(await producer({ url, tlsCaFile: b.pki!.caCert, topics: [topic] }), topic);
    const byName = await producer({ url: url.replace('127.0.0.1', 'localhost'), tlsCa: caPem, topics: [topic] });
    expect((await byName.produceSync(topic, 'k', 'by name')).offset).to.equal(3);
  });

  it('mTLS: a client certificate from files, and from PEM text in CORTADO_TLS_*', async () => {
    const topic = topicName('ks-mtls');
    const url = b.listeners.mtls!.url;
    const files = await producer({
      url,
      tlsCaFile: b.pki!.caCert,
      tlsCertFile: b.pki!.clientCert,
      tlsKeyFile: b.pki!.clientKey,
      topics: [topic],
    });
    await roundTrip(files, topic);
    const fromEnv = await producer(
      { topics: [topic] },
      {
        CORTADO_URL: url,
        CORTADO_TLS_CA: caPem,
        CORTADO_TLS_CERT: fs.readFileSync(b.pki!.clientCert, 'utf8'),
        CORTADO_TLS_KEY: fs.readFileSync(b.pki!.clientKey, 'utf8'),
      },
    );
    expect((await fromEnv.produceSync(topic, 'k', 'pem text')).offset).to.equal(3);
  });

  it('SASL PLAIN over kafka:// (SASL_PLAINTEXT) from options', async () => {
    const topic = topicName('ks-plain');
    const p = await producer({
      url: b.listeners.saslPlaintext!.url,
      saslMechanism: 'plain',
      saslUsername: 'alice',
      saslPassword: 'alice-secret',
      topics: [topic],
    });
    await roundTrip(p, topic);
  });

  for (const mech of ['scram-sha-256', 'scram-sha-512'] as const) {
    it(`${mech} over kafka+ssl:// (SASL_SSL) from CORTADO_SASL_*`, async () => {
      const topic = topicName(`ks-${mech}`);
      const p = await producer(
        { topics: [topic] },
        {
          CORTADO_URL: b.listeners.saslSsl!.url,
          CORTADO_TLS_CA_FILE: b.pki!.caCert,
          CORTADO_SASL_MECHANISM: mech.toUpperCase(),
          CORTADO_SASL_USERNAME: 'alice',
          CORTADO_SASL_PASSWORD: 'alice-secret',
        },
      );
      await roundTrip(p, topic);
      // the Java client reads back over the same SASL_SSL listener too
      const javaMech = mech === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
      const seen = await javaConsume(b, topic, 3, 60_000, { clientConfig: clientConfig(b, 'saslSsl', javaMech) });
      expect(seen).to.have.length(3);
    });
  }

  it('a wrong password is an AuthenticationError at start(), quickly, that never shows the password', async () => {
    for (const [url, mech] of [
      [b.listeners.saslPlaintext!.url, 'plain'],
      [b.listeners.saslSsl!.url, 'scram-sha-512'],
    ] as const) {
      const { err, ms } = await failure({
        url,
        tlsCaFile: url.startsWith('kafka+ssl') ? b.pki!.caCert : undefined,
        saslMechanism: mech,
        saslUsername: 'alice',
        saslPassword: 'not-the-Secret-42',
        topics: [topicName('ks-wrong')],
      });
      expect(err, err.stack).to.be.instanceOf(AuthenticationError);
      expect((err as AuthenticationError).code).to.equal('AUTHENTICATION');
      expect(err.message).to.not.include('not-the-Secret-42');
      expect(ms).to.be.below(10_000);
    }
  });

  it('the mTLS listener without a client certificate: a typed error at start(), not a hang', async () => {
    const { err, ms } = await failure({ url: b.listeners.mtls!.url, tlsCaFile: b.pki!.caCert, topics: [topicName('ks-nocert')] });
    expect(err, err.stack).to.satisfy((e: Error) => e instanceof AuthenticationError || e instanceof ConnectionError);
    expect(err.message).to.match(/client certificate|TLS/);
    expect(ms).to.be.below(15_000);
  });

  it('a broker certificate from a CA the client does not trust: a TlsError naming TLS', async () => {
    // the system CAs only
    const { err, ms } = await failure({ url: b.listeners.ssl!.url, topics: [topicName('ks-untrusted')] });
    expect(err, err.stack).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS');
    expect(err.message).to.match(/TLS/);
    expect(err.message).to.match(/tlsCaFile/);
    expect(ms).to.be.below(10_000);
  });

  it('KIP-368: with 3 s SASL sessions a SCRAM producer sends for 8 s on one connection that re-authenticates; every send succeeds', async function () {
    this.timeout(120_000);
    const topic = topicName('ks-reauth');
    const options = {
      url: b.listeners.saslSsl!.url,
      tlsCaFile: b.pki!.caCert,
      saslMechanism: 'scram-sha-256' as const,
      saslUsername: 'alice',
      saslPassword: 'alice-secret',
    };
    const sent = await sendThroughReauth(options, topic, 8_000, 50, 2);
    const seen = await javaConsume(b, topic, sent, 60_000);
    expect(new Set(seen.map((r) => r.value!.toString())).size).to.equal(sent);
  });

  it('Heroku mode: KAFKA_URL and the KAFKA_*_CERT PEMs reach the mTLS listener (CA checked, host names not)', async () => {
    const topic = topicName('ks-heroku');
    const env = {
      CORTADO_HEROKU_KAFKA_ENV: 'true',
      KAFKA_URL: b.listeners.mtls!.hostPorts.map((hp) => `kafka+ssl://${hp}`).join(','),
      KAFKA_TRUSTED_CERT: caPem,
      KAFKA_CLIENT_CERT: fs.readFileSync(b.pki!.clientCert, 'utf8'),
      KAFKA_CLIENT_CERT_KEY: fs.readFileSync(b.pki!.clientKey, 'utf8'),
    };
    const p = await producer({ topics: [topic] }, env);
    expect(p.config.url).to.equal(env.KAFKA_URL);
    await roundTrip(p, topic);
    // the CA check stays on: without the trusted cert the broker's certificate is refused
    const { err } = await failure({ topics: [topic] }, { ...env, KAFKA_TRUSTED_CERT: '' });
    expect(err, err.stack).to.be.instanceOf(TlsError);
  });

  describe('OAUTHBEARER with tokens from an OAuth2 client-credentials endpoint on 127.0.0.1', () => {
    const issuers: TestIssuer[] = [];
    after(async () => {
      await Promise.all(issuers.splice(0).map((i) => i.close()));
    });

    async function issuer(expiresInSec: number): Promise<TestIssuer> {
      const i = await startIssuer('unsecured', { 'orders-app': 'orders-secret' }, expiresInSec);
      issuers.push(i);
      return i;
    }

    function credentials(name: string, secret: string): string {
      const file = path.join(b.dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ client_id: 'orders-app', client_secret: secret }));
      return file;
    }

    const oauth = (i: TestIssuer, file: string): ClientOptions => ({
      url: b.listeners.saslPlaintext!.url,
      saslMechanism: 'oauthbearer',
      oauth2IssuerUrl: i.url,
      oauth2CredentialsFile: file,
    });

    it('produces with a token fetched by client credentials; the Java consumer reads the records back', async () => {
      const i = await issuer(3600);
      const topic = topicName('ks-oauth');
      await roundTrip(await producer({ ...oauth(i, credentials('oauth-ok', 'orders-secret')), topics: [topic] }), topic);
      expect(i.requests[0]).to.include({ grant_type: 'client_credentials', client_id: 'orders-app' });
    });

    it('defect: a token the broker refused (expired) passed as authenticated, its error challenge taken for success; now it and a secret the endpoint refuses fail start() with AuthenticationError', async () => {
      const expired = await issuer(-60);
      const topic = topicName('ks-oauth-bad');
      const refused = await failure({ ...oauth(expired, credentials('oauth-expired', 'orders-secret')), topics: [topic] });
      expect(refused.err, refused.err.stack).to.be.instanceOf(AuthenticationError);
      expect(refused.err.message).to.match(/OAUTHBEARER token .*invalid_token/);
      const i = await issuer(3600);
      const wrong = await failure({ ...oauth(i, credentials('oauth-wrong', 'nope')), topics: [topic] });
      expect(wrong.err, wrong.err.stack).to.be.instanceOf(AuthenticationError);
    });

    it('KIP-368 with 10 s tokens and 3 s sessions: re-authentication takes a fresh token; the connection outlives the first token', async function () {
      this.timeout(120_000);
      const i = await issuer(10);
      const topic = topicName('ks-oauth-reauth');
      const file = credentials('oauth-reauth', 'orders-secret');
      // past the first token's expiry: the broker would end a session still resting on it
      await sendThroughReauth(oauth(i, file), topic, 13_000, 100, 3);
      // a second token was fetched for a re-authentication
      expect(i.requests.length).to.be.at.least(2);
    });
  });
});

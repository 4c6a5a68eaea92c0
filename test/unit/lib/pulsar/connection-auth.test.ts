import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createPki, Pki } from '../../../../tools/pki';
import { tlsOptionsOf } from '../../../../lib/auth';
import { createClientCore } from '../../../../lib/pulsar/session';
import { parseProducerConfig, ProducerOptions } from '../../../../lib/core/config';
import { AuthenticationError, ConnectionError } from '../../../../lib/core/errors';
import { encodeCommandFrame } from '../../../../protocol/pulsar/frame';
import { BaseCommand, CommandType } from '../../../../protocol/pulsar/proto';
import { connectedFrame, scriptedPeer } from '../../../support/scripted-peer';

const REFRESH = Buffer.from('PulsarAuthRefresh');
const challengeFrame = () =>
  encodeCommandFrame({
    type: CommandType.AUTH_CHALLENGE,
    authChallenge: { serverVersion: 'peer', protocolVersion: 21, challenge: { authMethodName: 'token', authData: REFRESH } },
  });
const text = (b?: Uint8Array) => Buffer.from(b ?? []).toString('utf8');
const fast = { connectionTimeoutMs: 3000, operationTimeoutMs: 1000 };

/** Opens one pooled connection with the client's real options (config → createClientCore). */
async function open(port: number, tlsOn: boolean, o: ProducerOptions) {
  const core = createClientCore(parseProducerConfig({ url: `${tlsOn ? 'pulsar+ssl' : 'pulsar'}://127.0.0.1:${port}`, ...fast, ...o }, {}));
  const conn = await core.pool.get({ host: '127.0.0.1', port, tls: tlsOn });
  return { core, conn };
}

function waitFor(seen: BaseCommand[], type: CommandType, n = 1): Promise<BaseCommand[]> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const hits = seen.filter((c) => c.type === type);
      if (hits.length >= n) return resolve(hits);
      if (Date.now() - t0 > 3000) return reject(new Error(`no ${CommandType[type]} within 3 s`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('lib/connection authentication and TLS', function () {
  this.timeout(20_000);
  let pki: Pki;
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-auth-'));
    pki = createPki(path.join(dir, 'pki'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('regression: CONNECT advertised supports_auth_refresh but AUTH_CHALLENGE was never answered', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'token-one\n');
    let sendChallenge: (() => void) | undefined;
    const p = await scriptedPeer((cmd, reply) => {
      if (cmd.type !== CommandType.CONNECT) return;
      reply(connectedFrame());
      sendChallenge = () => reply(challengeFrame());
    });
    const { core, conn } = await open(p.port, false, { authTokenFile: tokenFile });
    const connect = p.seen[0].connect;
    expect(connect.featureFlags.supportsAuthRefresh).to.equal(true);
    expect(connect.authMethodName).to.equal('token');
    expect(text(connect.authData)).to.equal('token-one');
    // the file is rotated, then the broker's refresh check asks again
    fs.writeFileSync(tokenFile, 'token-two\n');
    sendChallenge!();
    const [res] = await waitFor(p.seen, CommandType.AUTH_RESPONSE);
    expect(res.authResponse.response.authMethodName).to.equal('token');
    expect(text(res.authResponse.response.authData)).to.equal('token-two');
    expect(conn.closed).to.equal(false);
    await core.pool.close();
    await p.close();
  });

  it('asks a token supplier afresh on every connect and every AUTH_CHALLENGE', async () => {
    let calls = 0;
    let sendChallenge: (() => void) | undefined;
    const p = await scriptedPeer((cmd, reply) => {
      if (cmd.type === CommandType.CONNECT) {
        reply(connectedFrame());
        sendChallenge = () => reply(challengeFrame());
      }
    });
    const { core } = await open(p.port, false, { authTokenSupplier: async () => `jwt-${++calls}` });
    sendChallenge!();
    sendChallenge!();
    const responses = await waitFor(p.seen, CommandType.AUTH_RESPONSE, 2);
    expect(text(p.seen[0].connect.authData)).to.equal('jwt-1');
    expect(responses.map((r) => text(r.authResponse.response.authData))).to.deep.equal(['jwt-2', 'jwt-3']);
    await core.pool.close();
    await p.close();
  });

  it('closes with an AuthenticationError when challenged without credentials', async () => {
    const p = await scriptedPeer((cmd, reply) => {
      if (cmd.type === CommandType.CONNECT) {
        reply(connectedFrame());
        setTimeout(() => reply(challengeFrame()), 50);
      }
    });
    const core = createClientCore(parseProducerConfig({ url: `pulsar://127.0.0.1:${p.port}`, ...fast }, {}));
    const conn = await core.pool.get({ host: '127.0.0.1', port: p.port, tls: false });
    const why = await new Promise((r) => conn.once('close', r));
    expect(why).to.be.instanceOf(AuthenticationError);
    expect(p.seen[0].connect.authMethodName ?? '').to.equal('');
    await core.pool.close();
    await p.close();
  });

  it('a refused CONNECT is a typed AuthenticationError', async () => {
    const p = await scriptedPeer((cmd, reply) => {
      if (cmd.type === CommandType.CONNECT)
        reply(encodeCommandFrame({ type: CommandType.ERROR, error: { requestId: 0, error: 3, message: 'Failed to authenticate' } }));
    });
    const e = await open(p.port, false, { authToken: 'not-a-jwt' }).catch((x) => x);
    expect(e).to.be.instanceOf(AuthenticationError);
    expect(e.code).to.equal('AUTHENTICATION');
    expect(e.message).to.not.include('not-a-jwt');
    await p.close();
  });

  it('regression: TLS client certificates never set the tls auth method', async () => {
    const p = await scriptedPeer((cmd, reply) => cmd.type === CommandType.CONNECT && reply(connectedFrame()), {
      cert: fs.readFileSync(pki.serverCert),
      key: fs.readFileSync(pki.serverKey),
      ca: fs.readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const { core } = await open(p.port, true, { tlsCaFile: pki.caCert, tlsCertFile: pki.clientCert, tlsKeyFile: pki.clientKey });
    expect(p.seen[0].connect.authMethodName).to.equal('tls');
    expect(p.clientCns).to.deep.equal([pki.clientRole]);
    await core.pool.close();
    await p.close();
  });

  it('asks for TLS 1.2 or newer and keeps CA checks on unless tlsAllowInsecure', () => {
    const o = tlsOptionsOf({ ...parseProducerConfig({ tlsCaFile: pki.caCert }, {}) }, () => undefined);
    expect(o).to.include({ minVersion: 'TLSv1.2', rejectUnauthorized: true });
    expect(o.ca).to.include('BEGIN CERTIFICATE');
    expect(o.checkServerIdentity).to.equal(undefined);
    expect(tlsOptionsOf(parseProducerConfig({ tlsAllowInsecure: true }, {}), () => undefined).rejectUnauthorized).to.equal(false);
  });

  describe('server certificate checks', () => {
    const peerWith = (cert: string, key: string) =>
      scriptedPeer((cmd, reply) => cmd.type === CommandType.CONNECT && reply(connectedFrame()), {
        cert: fs.readFileSync(cert),
        key: fs.readFileSync(key),
      });

    it('verifies the CA by default', async () => {
      const p = await peerWith(pki.serverCert, pki.serverKey);
      const e = await open(p.port, true, {}).catch((x) => x);
      expect(e).to.be.instanceOf(ConnectionError);
      expect(e.message).to.match(/certificate/i);
      const { core } = await open(p.port, true, { tlsCaFile: pki.caCert });
      await core.pool.close();
      await p.close();
    });

    it('verifies the host name by default; tlsHostnameVerification=false relaxes only that, with a warning', async () => {
      const p = await peerWith(pki.wrongHostCert, pki.wrongHostKey);
      const e = await open(p.port, true, { tlsCaFile: pki.caCert }).catch((x) => x);
      expect(e).to.be.instanceOf(ConnectionError);
      expect(e.message).to.match(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      const { core } = await open(p.port, true, { tlsCaFile: pki.caCert, tlsHostnameVerification: false });
      await new Promise((r) => setImmediate(r));
      process.removeListener('warning', onWarning);
      expect(warnings.join('\n')).to.include('hostname verification is off');
      await core.pool.close();
      // the CA is still checked with hostname verification off
      const untrusted = await open(p.port, true, { tlsHostnameVerification: false }).catch((x) => x);
      expect(untrusted).to.be.instanceOf(ConnectionError);
      await p.close();
    });
  });
});

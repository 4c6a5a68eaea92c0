import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OAuth2ClientCredentials } from '../../../../lib/auth/oauth2';
import { AuthenticationError } from '../../../../lib/core/errors';
import { startIssuer, TestIssuer } from '../../../support/oauth2-issuer';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

describe('lib/auth/oauth2 client credentials', () => {
  let issuer: TestIssuer;
  let dir: string;
  let creds: string;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  before(async () => {
    issuer = await startIssuer(privateKey, { app: 's3cret' }, 100);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-oauth2-'));
    creds = path.join(dir, 'creds.json');
    fs.writeFileSync(creds, JSON.stringify({ client_id: 'app', client_secret: 's3cret' }));
  });
  after(async () => {
    await issuer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('discovers the token endpoint, sends audience and scope, caches the token and refreshes it before expiry', async () => {
    let now = 1_000_000;
    const before = issuer.requests.length;
    const auth = new OAuth2ClientCredentials({
      issuerUrl: `${issuer.url}/`,
      credentialsFile: creds,
      audience: 'urn:pulsar-test',
      scope: 'produce',
      now: () => now,
    });
    const first = Buffer.from(await auth.data()).toString('utf8');
    expect(claimsOf(first)).to.include({ sub: 'app', aud: 'urn:pulsar-test', scope: 'produce' });
    expect(issuer.requests.slice(before)).to.deep.equal([
      { grant_type: 'client_credentials', client_id: 'app', client_secret: 's3cret', audience: 'urn:pulsar-test', scope: 'produce' },
    ]);
    now += 50_000; // half the 100 s lifetime: cached
    expect(Buffer.from(await auth.data()).toString('utf8')).to.equal(first);
    expect(issuer.requests.length - before).to.equal(1);
    now += 41_000; // past 90 %: fetched again, before the token expires
    await auth.data();
    expect(issuer.requests.length - before).to.equal(2);
    // concurrent callers share one request
    now += 100_000;
    await Promise.all([auth.data(), auth.data(), auth.data()]);
    expect(issuer.requests.length - before).to.equal(3);
  });

  it('a wrong secret is a typed AuthenticationError that does not echo the secret', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ client_id: 'app', client_secret: 'wrong-secret' }));
    const e = await new OAuth2ClientCredentials({ issuerUrl: issuer.url, credentialsFile: bad }).data().catch((x) => x);
    expect(e).to.be.instanceOf(AuthenticationError);
    expect(e.message).to.include('401').and.include('invalid_client').and.not.include('wrong-secret');
    expect(e.canRetry).to.equal(false);
  });

  it('an issuer that does not answer is a retriable AuthenticationError', async () => {
    const e = await new OAuth2ClientCredentials({ issuerUrl: 'http://127.0.0.1:1', credentialsFile: creds }).data().catch((x) => x);
    expect(e).to.be.instanceOf(AuthenticationError);
    expect(e.canRetry).to.equal(true);
  });
});

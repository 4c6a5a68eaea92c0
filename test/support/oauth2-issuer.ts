import type * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { signJwt } from '../../tools/pki';

// A small OAuth2 issuer on loopback for tests: OpenID discovery and the client-credentials grant,
// signing RS256 access tokens (sub = client_id) with the key the test broker trusts.

export interface TestIssuer {
  url: string;
  /** every token request's form fields, in order */
  requests: Array<Record<string, string>>;
  discoveries: number;
  close(): Promise<void>;
}

/**
 * An unsecured JWS (alg none, empty signature) as Kafka's default OAUTHBEARER validator takes it. That
 * validator decodes with plain Base64, so a filler claim keeps the base64url free of '-' and '_'.
 */
export function unsecuredJwt(claims: Record<string, unknown>, expiresInSec: number): string {
  const now = Math.floor(Date.now() / 1000);
  const head = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  for (let pad = ''; ; pad += ' ') {
    const body = Buffer.from(JSON.stringify({ iat: now, exp: now + expiresInSec, ...claims, pad })).toString('base64url');
    if (!/[-_]/.test(head + body)) return `${head}.${body}.`;
  }
}

/** `key` signs RS256 tokens; 'unsecured' hands out unsigned ones (unsecuredJwt). */
export async function startIssuer(
  key: crypto.KeyObject | 'unsecured',
  clients: Record<string, string>,
  expiresInSec = 3600,
): Promise<TestIssuer> {
  const requests: Array<Record<string, string>> = [];
  let discoveries = 0;
  let url = '';
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      discoveries++;
      return send(res, 200, { issuer: url, token_endpoint: `${url}/oauth/token` });
    }
    if (req.method === 'POST' && req.url === '/oauth/token') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        requests.push(form);
        if (form.grant_type !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
        if (clients[form.client_id] === undefined || clients[form.client_id] !== form.client_secret)
          return send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
        const claims: Record<string, unknown> = { sub: form.client_id, iss: url };
        if (form.audience) claims.aud = form.audience;
        if (form.scope) claims.scope = form.scope;
        const token = key === 'unsecured' ? unsecuredJwt(claims, expiresInSec) : signJwt(key, claims, expiresInSec);
        send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresInSec });
      });
      return;
    }
    send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    get discoveries() {
      return discoveries;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

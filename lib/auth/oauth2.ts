import * as fs from 'fs';
import { AuthenticationError } from '../core/errors';
import type { AuthProvider } from './provider';

export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

export interface OAuth2Options {
  issuerUrl: string;
  credentialsFile: string;
  audience?: string;
  scope?: string;
  /** the share of a token's lifetime after which it is fetched again (default 0.9) */
  refreshAt?: number;
  now?: () => number;
}

const TIMEOUT_MS = 10_000;

/** `/path`, `file:///path` → `/path` (the Java client names the file as a URL). */
function filePath(f: string): string {
  return f.startsWith('file://') ? new URL(f).pathname : f;
}

/** Parses the credentials JSON; `problem` says what is wrong without echoing the secret. */
export function readCredentialsFile(
  file: string,
  read: (f: string) => string = (f) => fs.readFileSync(f, 'utf8'),
): { credentials?: ClientCredentials; problem?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(filePath(file)));
  } catch (err) {
    if (err instanceof SyntaxError)
      return { problem: `${JSON.stringify(file)} is not valid JSON; expected {"client_id": "...", "client_secret": "..."}` };
    throw err;
  }
  const c = parsed as Partial<ClientCredentials> | null;
  for (const k of ['client_id', 'client_secret'] as const) {
    if (!c || typeof c[k] !== 'string' || c[k] === '')
      return { problem: `${JSON.stringify(file)} has no ${k} string; expected {"client_id": "...", "client_secret": "..."}` };
  }
  return { credentials: { client_id: c!.client_id!, client_secret: c!.client_secret! } };
}

async function getJson(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new AuthenticationError(`${what} at ${url} failed: ${(err as Error).message}`, true, { cause: err });
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // described below by status
  }
  if (!res.ok) {
    const detail =
      typeof body.error === 'string'
        ? `: ${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}`
        : '';
    throw new AuthenticationError(`${what} at ${url} answered ${res.status}${detail}`, res.status >= 500);
  }
  if (typeof body !== 'object' || body === null) throw new AuthenticationError(`${what} at ${url} answered no JSON object`);
  return body;
}

/**
 * OAuth2 client credentials, as the Java and C++ clients do it: the token endpoint comes from the
 * issuer's /.well-known/openid-configuration; the access token is cached and fetched again once
 * most of its lifetime has passed, so a connect or AUTH_CHALLENGE never hands out an expired one.
 */
export class OAuth2ClientCredentials implements AuthProvider {
  readonly methodName = 'token';
  private endpoint?: Promise<string>;
  private cached?: { token: string; refreshAt: number };
  private fetching?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly o: OAuth2Options) {
    this.now = o.now ?? Date.now;
  }

  async data(): Promise<Uint8Array> {
    return Buffer.from(await this.token(), 'utf8');
  }

  /** The cached access token, or a new one when it is due. */
  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private tokenEndpoint(): Promise<string> {
    const url = `${this.o.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    this.endpoint ??= getJson(url, {}, 'OAuth2 metadata discovery').then((m) => {
      if (typeof m.token_endpoint !== 'string') throw new AuthenticationError(`OAuth2 metadata at ${url} names no token_endpoint`);
      return m.token_endpoint;
    });
    // a failed discovery is asked again next time
    this.endpoint.catch(() => (this.endpoint = undefined));
    return this.endpoint;
  }

  private async fetchToken(): Promise<string> {
    const { credentials, problem } = readCredentialsFile(this.o.credentialsFile);
    if (!credentials) throw new AuthenticationError(`OAuth2 credentials: ${problem}`);
    const endpoint = await this.tokenEndpoint();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.client_id,
      client_secret: credentials.client_secret,
    });
    if (this.o.audience) form.set('audience', this.o.audience);
    if (this.o.scope) form.set('scope', this.o.scope);
    const asked = this.now();
    const body = await getJson(
      endpoint,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      },
      'OAuth2 token request',
    );
    if (typeof body.access_token !== 'string' || body.access_token === '')
      throw new AuthenticationError(`OAuth2 token endpoint ${endpoint} answered no access_token`);
    const lifetimeMs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : Infinity;
    this.cached = { token: body.access_token, refreshAt: asked + lifetimeMs * (this.o.refreshAt ?? 0.9) };
    return body.access_token;
  }
}

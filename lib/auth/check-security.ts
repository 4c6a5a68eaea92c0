import * as crypto from 'crypto';
import * as fs from 'fs';
import { ConfigError } from '../core/errors';
import { envNameOf } from '../core/options';
import { readCredentialsFile } from './oauth2';
import type { SecuritySettings } from './security-options';

/** Where an option's value came from, for messages: `option x` or `CORTADO_X (option x)`. */
export type OriginOf = (option: string) => string;

export const envOrigin: OriginOf = (o) => `${envNameOf(o)} (option ${o})`;

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

const fail = (origin: OriginOf, option: string, why: string, value: unknown = '[redacted]') =>
  new ConfigError(`${origin(option)}: ${why}`, option, envNameOf(option), value);

/** Reads a file named by an option; an unreadable file is a ConfigError naming the option, never a raw Node error. */
export function readOptionFile(origin: OriginOf, option: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(origin, option, `cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function checkCertificates(origin: OriginOf, option: string, pem: string): void {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw fail(origin, option, 'no PEM certificate (-----BEGIN CERTIFICATE-----) found');
  blocks.forEach((b, i) => {
    try {
      new crypto.X509Certificate(b);
    } catch {
      throw fail(origin, option, `PEM certificate #${i + 1} is malformed`);
    }
  });
}

function checkKey(origin: OriginOf, option: string, pem: string): void {
  try {
    crypto.createPrivateKey(pem);
  } catch {
    // the key's text is a secret: say what is wrong, never what it holds
    throw fail(origin, option, 'not a readable unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)');
  }
}

/** One PEM from its text option or its file option (both set is ambiguous). */
function pemOf(
  s: SecuritySettings,
  origin: OriginOf,
  text: 'tlsCa' | 'tlsCert' | 'tlsKey',
  file: 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile',
): { pem: string; option: string } | undefined {
  if (s[text] !== undefined && s[file] !== undefined)
    throw fail(origin, text, `set either ${envNameOf(text)} or ${envNameOf(file)}, not both`);
  if (s[text] !== undefined) return { pem: s[text]!, option: text };
  if (s[file] !== undefined) return { pem: readOptionFile(origin, file, s[file]!), option: file };
  return undefined;
}

/** The CA, client certificate and key, read and checked; throws a ConfigError naming the variable at fault. */
export function loadTlsMaterial(s: SecuritySettings, origin: OriginOf = envOrigin): TlsMaterial {
  const ca = pemOf(s, origin, 'tlsCa', 'tlsCaFile');
  const cert = pemOf(s, origin, 'tlsCert', 'tlsCertFile');
  const key = pemOf(s, origin, 'tlsKey', 'tlsKeyFile');
  if (ca) checkCertificates(origin, ca.option, ca.pem);
  if (cert) checkCertificates(origin, cert.option, cert.pem);
  if (key) checkKey(origin, key.option, key.pem);
  if (cert && !key)
    throw fail(origin, cert.option, `a client certificate needs its key: set ${envNameOf('tlsKey')} or ${envNameOf('tlsKeyFile')}`);
  if (key && !cert)
    throw fail(origin, key.option, `a client key needs its certificate: set ${envNameOf('tlsCert')} or ${envNameOf('tlsCertFile')}`);
  return { ca: ca?.pem, cert: cert?.pem, key: key?.pem };
}

function checkUrl(origin: OriginOf, option: string, url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw fail(origin, option, `${JSON.stringify(url)} is not a URL; expected https://issuer.example (http:// only for local tests)`, url);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw fail(origin, option, `scheme ${u.protocol} is not allowed; expected https:// or http://`, url);
}

/**
 * Checks every security setting at construction, so start() never meets a raw Node error:
 * readable files, well-formed PEM, a valid issuer URL, one authentication method at most.
 */
export function checkSecurity(s: SecuritySettings, origin: OriginOf = envOrigin): void {
  loadTlsMaterial(s, origin);
  const methods = (['authToken', 'authTokenFile', 'authTokenSupplier', 'oauth2IssuerUrl'] as const).filter((o) => s[o] !== undefined);
  if (methods.length > 1) {
    throw fail(origin, methods[1], `choose one authentication method; ${methods.map((m) => envNameOf(m)).join(' and ')} are all set`);
  }
  if (s.authTokenFile !== undefined && readOptionFile(origin, 'authTokenFile', s.authTokenFile).trim() === '') {
    throw fail(origin, 'authTokenFile', `${JSON.stringify(s.authTokenFile)} is empty; expected a JWT`, s.authTokenFile);
  }
  if (s.authToken !== undefined && s.authToken.trim() === '') throw fail(origin, 'authToken', 'is empty; expected a JWT');
  if (s.oauth2IssuerUrl !== undefined) {
    checkUrl(origin, 'oauth2IssuerUrl', s.oauth2IssuerUrl);
    if (s.oauth2CredentialsFile === undefined)
      throw fail(
        origin,
        'oauth2CredentialsFile',
        `is required with ${envNameOf('oauth2IssuerUrl')}: a JSON file with client_id and client_secret`,
        undefined,
      );
  }
  if (s.oauth2CredentialsFile !== undefined) {
    if (s.oauth2IssuerUrl === undefined)
      throw fail(origin, 'oauth2IssuerUrl', `is required with ${envNameOf('oauth2CredentialsFile')}`, undefined);
    const why = readCredentialsFile(s.oauth2CredentialsFile, (f) => readOptionFile(origin, 'oauth2CredentialsFile', f)).problem;
    if (why) throw fail(origin, 'oauth2CredentialsFile', why, s.oauth2CredentialsFile);
  }
}

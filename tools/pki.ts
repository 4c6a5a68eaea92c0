import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

// Test-time PKI with the openssl CLI: a CA, a server certificate for 127.0.0.1/localhost, a client
// certificate for mTLS, a server certificate for another host name, and an RSA key pair for JWTs.

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** the client certificate's CN, the role the broker's TLS provider sees */
  clientRole: string;
  /** a server certificate valid only for other.invalid, to test hostname verification */
  wrongHostCert: string;
  wrongHostKey: string;
  /** RSA key pair that signs test JWTs (RS256); the broker trusts the DER public key */
  jwtPrivateKey: crypto.KeyObject;
  jwtPublicKeyDer: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, subject: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key.pem`, '-out', `${name}.csr.pem`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr.pem`,
    '-CA',
    'ca.cert.pem',
    '-CAkey',
    'ca.key.pem',
    '-CAcreateserial',
    '-days',
    '30',
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.cert.pem`,
  ]);
}

/** Writes a fresh PKI into `dir` (created if missing). */
export function createPki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=cortado-test-ca',
    '-keyout',
    'ca.key.pem',
    '-out',
    'ca.cert.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  leaf(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf(dir, 'client', '/CN=mtls-client', 'extendedKeyUsage=clientAuth\n');
  leaf(dir, 'wrong-host', '/CN=other.invalid', 'subjectAltName=DNS:other.invalid\nextendedKeyUsage=serverAuth\n');
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = path.join(dir, 'jwt.pub.der');
  // the broker's tokenPublicKey loads DER, not PEM
  fs.writeFileSync(der, publicKey.export({ type: 'spki', format: 'der' }));
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.cert.pem'),
    caKey: p('ca.key.pem'),
    serverCert: p('server.cert.pem'),
    serverKey: p('server.key.pem'),
    clientCert: p('client.cert.pem'),
    clientKey: p('client.key.pem'),
    clientRole: 'mtls-client',
    wrongHostCert: p('wrong-host.cert.pem'),
    wrongHostKey: p('wrong-host.key.pem'),
    jwtPrivateKey: privateKey,
    jwtPublicKeyDer: der,
  };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** An RS256 JWT with `sub` = role; `expiresInSec` sets `exp`; extra claims merged in. */
export function signJwt(key: crypto.KeyObject, claims: Record<string, unknown>, expiresInSec?: number): string {
  const now = Math.floor(Date.now() / 1000);
  const body = { iat: now, ...(expiresInSec !== undefined ? { exp: now + expiresInSec } : {}), ...claims };
  const head = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify(body))}`;
  return `${head}.${b64url(crypto.sign('sha256', Buffer.from(head), key))}`;
}

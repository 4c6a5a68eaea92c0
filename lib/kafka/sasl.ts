import * as crypto from 'crypto';
import * as SaslAuthenticate from '../../protocol/kafka/sasl-authenticate';
import * as SaslHandshake from '../../protocol/kafka/sasl-handshake';
import {
  ApiKey,
  decodeSaslAuthenticateResponse,
  decodeSaslHandshakeResponse,
  encodeSaslAuthenticateRequest,
  encodeSaslHandshakeRequest,
  SaslAuthenticateResponse,
  SaslHandshakeResponse,
} from '../../protocol/kafka';
import { OAuth2ClientCredentials } from '../auth/oauth2';
import type { ClientConfig } from '../core/config';
import { AuthenticationError, ConfigError } from '../core/errors';
import { envNameOf } from '../core/options';
import type { KafkaApi, KafkaConnection } from './connection';
import type { KafkaClientSettings, SaslMechanismName } from './options';

const HANDSHAKE: KafkaApi<Parameters<typeof encodeSaslHandshakeRequest>[1], SaslHandshakeResponse> = {
  apiKey: ApiKey.SaslHandshake,
  version: SaslHandshake.VERSION,
  flexible: SaslHandshake.FLEXIBLE,
  encode: encodeSaslHandshakeRequest,
  decode: decodeSaslHandshakeResponse,
};

const AUTHENTICATE: KafkaApi<Parameters<typeof encodeSaslAuthenticateRequest>[1], SaslAuthenticateResponse> = {
  apiKey: ApiKey.SaslAuthenticate,
  version: SaslAuthenticate.VERSION,
  flexible: SaslAuthenticate.FLEXIBLE,
  encode: encodeSaslAuthenticateRequest,
  decode: decodeSaslAuthenticateResponse,
};

const WIRE_NAMES: Record<SaslMechanismName, string> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
};

/** The SASL exchange the settings ask for, run on every new connection; undefined without a mechanism. */
export function saslAuthenticator(cfg: ClientConfig & KafkaClientSettings): ((conn: KafkaConnection) => Promise<number>) | undefined {
  const mech = cfg.saslMechanism;
  if (!mech) return undefined;
  const user = cfg.saslUsername;
  const password = cfg.saslPassword;
  if (mech !== 'oauthbearer' && (user === undefined || password === undefined)) {
    throw new ConfigError(
      `saslMechanism ${mech} needs saslUsername and saslPassword (CORTADO_SASL_USERNAME, CORTADO_SASL_PASSWORD)`,
      'saslUsername',
      envNameOf('saslUsername'),
      user,
    );
  }
  const oauth = mech === 'oauthbearer' ? tokenSource(cfg) : undefined;
  return async (conn) => {
    const hs = await conn.request(HANDSHAKE, { mechanism: WIRE_NAMES[mech] });
    if (hs.errorCode !== 0) {
      throw new AuthenticationError(
        `kafka://${conn.key} does not offer SASL ${WIRE_NAMES[mech]}; it offers ${hs.mechanisms.join(', ') || 'none'}`,
      );
    }
    // the last SaslAuthenticate answer's session lifetime (KIP-368); 0 when the broker sets none
    let lifetimeMs = 0;
    const step = async (bytes: Buffer): Promise<Buffer> => {
      const res = await conn.request(AUTHENTICATE, { authBytes: bytes });
      lifetimeMs = Number(res.sessionLifetimeMs);
      if (res.errorCode !== 0)
        throw new AuthenticationError(
          `kafka://${conn.key} refused SASL ${WIRE_NAMES[mech]}: ${res.errorMessage ?? `error ${res.errorCode}`}`,
        );
      return res.authBytes ?? Buffer.alloc(0);
    };
    if (mech === 'plain') await step(Buffer.from(`\u0000${user}\u0000${password}`, 'utf8'));
    else if (mech === 'oauthbearer') {
      const token = Buffer.from(await oauth!()).toString('utf8');
      // RFC 7628 initial response: gs2 header, then auth=Bearer <token>, framed by ^A
      const challenge = await step(Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8'));
      // RFC 7628 3.2.2: a refused token comes back as a JSON error challenge, which the client must answer with ^A
      if (challenge.length > 0) await refusedToken(conn.key, challenge, step);
    } else await scram(mech === 'scram-sha-256' ? 'sha256' : 'sha512', user!, password!, step);
    return lifetimeMs;
  };
}

async function refusedToken(key: string, challenge: Buffer, step: (b: Buffer) => Promise<Buffer>): Promise<never> {
  const why = challenge.toString('utf8');
  try {
    await step(Buffer.from('\u0001', 'utf8'));
  } catch (err) {
    throw new AuthenticationError(`kafka://${key} refused the OAUTHBEARER token ${why}: ${(err as Error).message}`);
  }
  throw new AuthenticationError(`kafka://${key} refused the OAUTHBEARER token ${why}`);
}

function tokenSource(cfg: ClientConfig): () => Promise<Uint8Array> {
  if (cfg.oauth2IssuerUrl === undefined || cfg.oauth2CredentialsFile === undefined) {
    if (cfg.authToken !== undefined) {
      const t = cfg.authToken;
      return async () => Buffer.from(t, 'utf8');
    }
    throw new ConfigError(
      'saslMechanism oauthbearer needs oauth2IssuerUrl and oauth2CredentialsFile (or authToken)',
      'oauth2IssuerUrl',
      envNameOf('oauth2IssuerUrl'),
      undefined,
    );
  }
  const provider = new OAuth2ClientCredentials({
    issuerUrl: cfg.oauth2IssuerUrl,
    credentialsFile: cfg.oauth2CredentialsFile,
    audience: cfg.oauth2Audience,
    scope: cfg.oauth2Scope,
    // the Java client's sasl.login.refresh.window.factor: a re-authentication never presents a token in its last fifth
    refreshAt: 0.8,
  });
  return () => provider.data();
}

// SASL names escape ',' and '=' (RFC 5802 section 5.1).
const saslName = (s: string) => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

/** SCRAM-SHA-256/512 (RFC 5802): client-first, server-first, client-final with proof, server-final checked. */
async function scram(hash: 'sha256' | 'sha512', user: string, password: string, step: (b: Buffer) => Promise<Buffer>): Promise<void> {
  const nonce = crypto.randomBytes(18).toString('base64');
  const firstBare = `n=${saslName(user)},r=${nonce}`;
  const serverFirst = (await step(Buffer.from(`n,,${firstBare}`, 'utf8'))).toString('utf8');
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)] as [string, string]));
  const serverNonce = attrs.get('r') ?? '';
  const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
  const iterations = Number(attrs.get('i'));
  if (!serverNonce.startsWith(nonce) || !Number.isInteger(iterations) || iterations < 1) {
    throw new AuthenticationError('the broker answered SCRAM with a bad nonce or iteration count');
  }
  const keyLen = hash === 'sha256' ? 32 : 64;
  const salted = crypto.pbkdf2Sync(password, salt, iterations, keyLen, hash);
  const clientKey = crypto.createHmac(hash, salted).update('Client Key').digest();
  const storedKey = crypto.createHash(hash).update(clientKey).digest();
  const finalBare = `c=biws,r=${serverNonce}`;
  const authMessage = `${firstBare},${serverFirst},${finalBare}`;
  const signature = crypto.createHmac(hash, storedKey).update(authMessage).digest();
  const proof = Buffer.alloc(keyLen);
  for (let i = 0; i < keyLen; i++) proof[i] = clientKey[i] ^ signature[i];
  const serverFinal = (await step(Buffer.from(`${finalBare},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  const serverKey = crypto.createHmac(hash, salted).update('Server Key').digest();
  const expected = crypto.createHmac(hash, serverKey).update(authMessage).digest('base64');
  if (serverFinal !== `v=${expected}`)
    throw new AuthenticationError("the broker's SCRAM signature does not match: it does not know the password");
}

import { z } from 'zod';
import { bool } from '../core/options';
import type { TokenSupplier } from './token';

/** The TLS and authentication knobs every client has, whatever the backend (spread into clientShape). */
export const securityShape = {
  tlsCa: z.string().optional(),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsHostnameVerification: bool().default(true),
  authTokenFile: z.string().optional(),
  authTokenSupplier: z
    .custom<TokenSupplier>((v) => typeof v === 'function', { message: 'expected a function () => string | Promise<string>' })
    .optional(),
  oauth2IssuerUrl: z.string().optional(),
  oauth2CredentialsFile: z.string().optional(),
  oauth2Audience: z.string().optional(),
  oauth2Scope: z.string().optional(),
};

/** Options whose values are secrets: never echoed in errors or logs. */
export const SECRET_OPTIONS = new Set(['authToken', 'tlsKey', 'authTokenSupplier', 'saslPassword']);

/** Every security setting, as the client reads them after validation. */
export interface SecuritySettings {
  url: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsAllowInsecure: boolean;
  tlsHostnameVerification: boolean;
  authToken?: string;
  authTokenFile?: string;
  authTokenSupplier?: TokenSupplier;
  oauth2IssuerUrl?: string;
  oauth2CredentialsFile?: string;
  oauth2Audience?: string;
  oauth2Scope?: string;
}

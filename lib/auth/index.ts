import type * as tls from 'tls';
import { loadTlsMaterial } from './check-security';
import { OAuth2ClientCredentials } from './oauth2';
import type { AuthProvider } from './provider';
import type { SecuritySettings } from './security-options';
import { TLS_AUTH } from './tls-auth';
import { tokenAuth, tokenFileSupplier } from './token';

export type { AuthProvider } from './provider';

let warnedHostname = false;

/** Node TLS options: CA and hostname checks on unless relaxed, TLS 1.2 at least, the client certificate if any. */
export function tlsOptionsOf(
  s: SecuritySettings,
  warn: (m: string) => void = (m) => process.emitWarning(m, 'CortadoWarning'),
): tls.ConnectionOptions {
  const m = loadTlsMaterial(s);
  const options: tls.ConnectionOptions = {
    ca: m.ca,
    cert: m.cert,
    key: m.key,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: !s.tlsAllowInsecure,
  };
  if (!s.tlsHostnameVerification && !s.tlsAllowInsecure) {
    // the certificate chain is still verified; only its names are not matched against the host
    options.checkServerIdentity = () => undefined;
    if (!warnedHostname)
      warn(
        'TLS hostname verification is off (tlsHostnameVerification=false): broker certificates are checked against the CA but not against the host name',
      );
    warnedHostname = true;
  }
  if (s.tlsAllowInsecure) warn('TLS certificate verification is off (tlsAllowInsecure=true): any broker certificate is accepted');
  return options;
}

/** The authentication method the settings choose: token, token file or supplier, OAuth2, else `tls` with a client certificate. */
export function authProviderOf(s: SecuritySettings): AuthProvider | undefined {
  if (s.authToken !== undefined) {
    const token = s.authToken;
    return tokenAuth(() => token);
  }
  if (s.authTokenFile !== undefined) return tokenAuth(tokenFileSupplier(s.authTokenFile));
  if (s.authTokenSupplier !== undefined) return tokenAuth(s.authTokenSupplier);
  if (s.oauth2IssuerUrl !== undefined && s.oauth2CredentialsFile !== undefined) {
    return new OAuth2ClientCredentials({
      issuerUrl: s.oauth2IssuerUrl,
      credentialsFile: s.oauth2CredentialsFile,
      audience: s.oauth2Audience,
      scope: s.oauth2Scope,
    });
  }
  if (s.tlsCert !== undefined || s.tlsCertFile !== undefined) return TLS_AUTH;
  return undefined;
}

import { OAuth2ClientCredentials } from '../auth/oauth2';
import type { AuthProvider } from '../auth/provider';
import type { SecuritySettings } from '../auth/security-options';
import { tokenAuth, tokenFileSupplier } from '../auth/token';
import { TLS_AUTH } from './tls-auth';

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

import type * as tls from 'tls';
import { loadTlsMaterial } from './check-security';
import type { SecuritySettings } from './security-options';

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

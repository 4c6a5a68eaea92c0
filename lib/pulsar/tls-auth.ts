import type { AuthProvider } from '../auth/provider';

/** Auth method `tls`: the broker takes the role from the client certificate, so CONNECT carries no data. */
export const TLS_AUTH: AuthProvider = {
  methodName: 'tls',
  data: async () => new Uint8Array(0),
};

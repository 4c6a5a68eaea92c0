/** What CONNECT and AUTH_RESPONSE carry: a method name and fresh credentials, asked for at each moment. */
export interface AuthProvider {
  readonly methodName: string;
  /** called on every connect and every AUTH_CHALLENGE, so rotated credentials are picked up */
  data(): Promise<Uint8Array>;
}

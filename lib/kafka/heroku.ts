// Kaffe's Heroku mode: Heroku's Apache Kafka add-on hands its brokers and certificates over in
// KAFKA_URL, KAFKA_TRUSTED_CERT, KAFKA_CLIENT_CERT and KAFKA_CLIENT_CERT_KEY.
import type { DerivedOptions } from '../core/backend';
import { ConfigError } from '../core/errors';
import { bool, envNameOf } from '../core/options';

/** The Heroku variables and the option each one fills, with the file option that also fills it. */
export const HEROKU_VARIABLES = [
  { variable: 'KAFKA_TRUSTED_CERT', option: 'tlsCa', fileOption: 'tlsCaFile' },
  { variable: 'KAFKA_CLIENT_CERT', option: 'tlsCert', fileOption: 'tlsCertFile' },
  { variable: 'KAFKA_CLIENT_CERT_KEY', option: 'tlsKey', fileOption: 'tlsKeyFile' },
] as const;

const MODE = 'herokuKafkaEnv';

/**
 * With herokuKafkaEnv on (option or CORTADO_HEROKU_KAFKA_ENV): url, tlsCa, tlsCert and tlsKey from
 * the KAFKA_* variables, and no hostname verification (Heroku's broker certificates name no host);
 * every option set in code or as CORTADO_* wins over its Heroku variable.
 */
export function herokuKafkaOptions(code: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): DerivedOptions | undefined {
  const flag = code[MODE] ?? env[envNameOf(MODE)];
  const on = bool().safeParse(flag);
  // a malformed flag is reported by the option parser, with the others
  if (!on.success || on.data !== true) return undefined;
  const has = (o: string) => code[o] !== undefined || (env[envNameOf(o)] ?? '') !== '';
  const options: Record<string, unknown> = {};
  if (!has('url')) {
    const url = env.KAFKA_URL?.trim();
    if (!url)
      throw new ConfigError(
        `${MODE} is on but KAFKA_URL is not set; expected kafka+ssl://host:port[,kafka+ssl://host:port...] (or set url / CORTADO_URL)`,
        MODE,
        envNameOf(MODE),
        flag,
      );
    options.url = url;
  }
  for (const { variable, option, fileOption } of HEROKU_VARIABLES) {
    const pem = env[variable];
    if (pem === undefined || pem.trim() === '' || has(option) || has(fileOption)) continue;
    // the text may be a secret (the key): say what is wrong, never what it holds
    if (!pem.includes('-----BEGIN '))
      throw new ConfigError(`${variable} (${MODE}) holds no PEM block (-----BEGIN ...)`, option, variable, '[redacted]');
    options[option] = pem;
  }
  if (!has('tlsHostnameVerification')) options.tlsHostnameVerification = false;
  return { options, origin: `KAFKA_URL (${MODE})` };
}

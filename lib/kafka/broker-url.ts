import { ConfigError } from '../core/errors';

export interface KafkaAddress {
  host: string;
  port: number;
  tls: boolean;
}

const SCHEMES: Record<string, boolean> = { 'kafka:': false, 'kafka+ssl:': true };

/** Parses `kafka://host:port[,host:port]` (or kafka+ssl://) into bootstrap addresses. */
export function parseKafkaUrl(url: string, envVar = 'CORTADO_URL', option = 'url'): KafkaAddress[] {
  const bad = (why: string) =>
    new ConfigError(
      `${envVar} (${option}) = ${JSON.stringify(url)} is not a valid Kafka URL: ${why}; expected kafka://host:port or kafka+ssl://host:port (several hosts comma-separated)`,
      option,
      envVar,
      url,
    );
  // a bare host list with a scheme on each (Heroku's KAFKA_URL) is accepted too
  const parts = url
    .trim()
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw bad('it names no host');
  let tls: boolean | undefined;
  return parts.map((part, i) => {
    let rest = part;
    const m = /^([a-z+]+:)\/\/(.*)$/.exec(part);
    if (m) {
      if (!(m[1] in SCHEMES)) throw bad(`unknown scheme ${m[1]}//`);
      if (tls !== undefined && SCHEMES[m[1]] !== tls) throw bad('it mixes kafka:// and kafka+ssl://');
      tls = SCHEMES[m[1]];
      rest = m[2];
    } else if (i === 0) throw bad('it is not of the form scheme://host:port');
    const hp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?\/?$/.exec(rest);
    if (!hp) throw bad(`host ${JSON.stringify(rest)} is malformed`);
    const port = hp[2] === undefined ? 9092 : Number(hp[2]);
    if (port < 1 || port > 65535) throw bad(`port ${port} is out of range 1..65535`);
    return { host: hp[1].replace(/^\[|\]$/g, ''), port, tls: tls ?? false };
  });
}

export function kafkaAddressKey(a: { host: string; port: number }): string {
  return `${a.host}:${a.port}`;
}

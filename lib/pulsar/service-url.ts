import { ConfigError } from '../core/errors';

export interface BrokerAddress {
  host: string;
  port: number;
  tls: boolean;
}

const SCHEMES: Record<string, { tls: boolean; port: number }> = {
  'pulsar:': { tls: false, port: 6650 },
  'pulsar+ssl:': { tls: true, port: 6651 },
};

/** Parses `pulsar://host:port[,host:port]` (or pulsar+ssl://) into broker addresses. */
export function parseServiceUrl(url: string, envVar = 'CORTADO_URL', option = 'url'): BrokerAddress[] {
  const bad = (why: string) =>
    new ConfigError(
      `${envVar} (${option}) = ${JSON.stringify(url)} is not a valid service URL: ${why}; expected pulsar://host:port or pulsar+ssl://host:port (several hosts comma-separated)`,
      option,
      envVar,
      url,
    );
  const m = /^([a-z+]+:)\/\/([^/?#]+)\/?$/.exec(url.trim());
  if (!m) throw bad('it is not of the form scheme://host:port');
  const scheme = SCHEMES[m[1]];
  if (!scheme) throw bad(`unknown scheme ${m[1]}//`);
  return m[2].split(',').map((hostPort) => {
    const hp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(hostPort.trim());
    if (!hp) throw bad(`host ${JSON.stringify(hostPort)} is malformed`);
    const port = hp[2] === undefined ? scheme.port : Number(hp[2]);
    if (port < 1 || port > 65535) throw bad(`port ${port} is out of range 1..65535`);
    return { host: hp[1].replace(/^\[|\]$/g, ''), port, tls: scheme.tls };
  });
}

export function addressKey(a: BrokerAddress): string {
  return `${a.tls ? 'pulsar+ssl' : 'pulsar'}://${a.host}:${a.port}`;
}

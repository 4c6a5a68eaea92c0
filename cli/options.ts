import type { ConsumerOptions } from '../lib';
import { InvalidArgumentError, type Command } from 'commander';

/** commander parser for an integer of at least `min`. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer of at least ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** commander collector for repeated `-p key=value` options. */
export function property(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** commander collector for a repeated option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The connection options every command takes; unset ones fall back to CORTADO_* in the environment. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'service URL: pulsar://, pulsar+ssl://, kafka:// or kafka+ssl://host:port (default: CORTADO_URL or pulsar://127.0.0.1:6650)',
    )
    .option('--auth-token <token>', 'token for the token auth method (default: CORTADO_AUTH_TOKEN)');
}

/** Producer options the produce commands share. */
export function withProducerOptions(cmd: Command): Command {
  return withClientOptions(cmd)
    .option('--compression <codec>', 'none|lz4|zlib|snappy|zstd (default: CORTADO_COMPRESSION or none)')
    .option('--batching', 'batch messages (default: CORTADO_BATCHING_ENABLED or off)')
    .option(
      '--partition-strategy <name>',
      'how keys pick partitions, e.g. murmur3_32, boost_hash (default: CORTADO_PARTITION_STRATEGY or md5)',
    );
}

/** Only the options the user gave: the library reads the rest from CORTADO_* itself. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface ClientFlags {
  url?: string;
  authToken?: string;
}
export interface ProducerFlags extends ClientFlags {
  compression?: string;
  batching?: boolean;
  partitionStrategy?: string;
}

export function producerOptionsOf(f: ProducerFlags): Record<string, unknown> {
  return defined({
    url: f.url,
    authToken: f.authToken,
    compression: f.compression,
    batchingEnabled: f.batching,
    partitionStrategy: f.partitionStrategy,
  });
}

export interface SubscriberFlags extends ClientFlags {
  subscription: string;
  subscriptionType?: string;
  position?: string;
}

/** The consumer options `cortado consume` and `cortado perf consume` take from their flags. */
export function consumerOptionsOf(topic: string, f: SubscriberFlags): ConsumerOptions {
  return defined({
    url: f.url,
    authToken: f.authToken,
    topics: [topic],
    subscription: f.subscription,
    subscriptionType: f.subscriptionType,
    subscriptionInitialPosition: f.position,
  }) as ConsumerOptions;
}

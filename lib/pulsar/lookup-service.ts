import { lookupFrame, partitionedMetadataFrame } from '../../protocol/pulsar/commands';
import { LookupType, ServerError } from '../../protocol/pulsar/proto';
import { Connection } from './connection';
import { ConnectionPool } from './connection-pool';
import { LookupEvent, lookupChannel, publish } from '../core/diagnostics';
import { ConnectionError, CortadoError, ProtocolError, TlsError } from '../core/errors';
import { Log, SILENT_LOG } from '../core/logger';
import { errorFromServer } from './server-errors';
import { addressKey, BrokerAddress, parseServiceUrl } from './service-url';

/** The Java and C++ clients give up after this many lookup redirects. */
export const MAX_LOOKUP_REDIRECTS = 20;

/**
 * The most partitions a topic may claim. The broker has no default cap
 * (maxNumPartitionsPerPartitionedTopic = 0) and the field is a uint32: an answer of 2^32-1 would
 * make the client build billions of partition producers. Real topics have at most thousands.
 */
export const MAX_PARTITIONS = 100_000;

export interface LookupOptions {
  /** the broker listener to be answered with (advertisedListeners); the broker's internal one when unset */
  listenerName?: string;
  log?: Log;
}

export interface LookupResult {
  address: BrokerAddress;
  /** set when the broker must be reached through the service URL (a proxy): the broker's `host:port` */
  proxyToBrokerUrl?: string;
}

/** Topology: partition counts and which broker owns a topic, asked over the binary protocol. */
export class LookupService {
  private next = 0;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly serviceAddresses: BrokerAddress[],
    private readonly options: LookupOptions = {},
  ) {
    this.log = options.log ?? SILENT_LOG;
  }

  private readonly log: Log;

  /** A connection to the service URL, trying each listed host in turn. */
  async serviceConnection(): Promise<Connection> {
    let last: unknown;
    for (let i = 0; i < this.serviceAddresses.length; i++) {
      const addr = this.serviceAddresses[(this.next + i) % this.serviceAddresses.length];
      try {
        return await this.pool.get(addr);
      } catch (err) {
        last = err;
      }
    }
    this.next++;
    throw last instanceof CortadoError ? last : new ConnectionError(`no service URL host answered: ${String(last)}`);
  }

  /** PARTITIONED_METADATA: 0 means the topic is not partitioned. */
  partitionCount(topic: string): Promise<number> {
    return this.observed(
      topic,
      'partitionedMetadata',
      () => this.askPartitionCount(topic),
      (partitions) => ({ partitions }),
    );
  }

  /** LOOKUP, following Redirect answers with their authoritative flag, up to 20 times. */
  lookup(topic: string): Promise<LookupResult> {
    let redirects = 0;
    return this.observed(
      topic,
      'lookup',
      () => this.askLookup(topic, () => redirects++),
      (r) => ({ broker: addressKey(r.address), proxied: r.proxyToBrokerUrl !== undefined, redirects }),
    );
  }

  // Logs and publishes (on cortado:lookup) one answered or failed question.
  private async observed<T>(
    topic: string,
    event: LookupEvent['event'],
    ask: () => Promise<T>,
    describe: (r: T) => Partial<LookupEvent>,
  ): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await ask();
      if (this.log.enabled('debug') || lookupChannel.hasSubscribers) {
        const ev: LookupEvent = { event, topic, ...describe(r), durationMs: performance.now() - t0 };
        this.log.debug(`${event} answered`, { ...ev });
        publish(lookupChannel, () => ev);
      }
      return r;
    } catch (err) {
      const error = err instanceof CortadoError ? err : new ConnectionError(String(err), { cause: err });
      this.log.warn(`${event} failed`, { topic, error });
      publish(lookupChannel, () => ({ event, topic, durationMs: performance.now() - t0, error }));
      throw err;
    }
  }

  private async askPartitionCount(topic: string): Promise<number> {
    const conn = await this.serviceConnection();
    const res = await conn.request((id) => partitionedMetadataFrame(topic, id), `partitioned metadata of ${topic}`);
    const r = res.partitionMetadataResponse;
    if (r.response === 1) throw errorFromServer(r.error, r.message, `partitioned metadata of ${topic}`);
    if (r.partitions > MAX_PARTITIONS) {
      throw new ProtocolError(
        `partitioned metadata of ${topic}: ${conn.key} reports ${r.partitions} partitions; cortado accepts 0 to ${MAX_PARTITIONS}`,
      );
    }
    return r.partitions;
  }

  private async askLookup(topic: string, redirected: () => void): Promise<LookupResult> {
    let conn = await this.serviceConnection();
    let authoritative = false;
    for (let hop = 0; hop <= MAX_LOOKUP_REDIRECTS; hop++) {
      const res = await conn.request((id) => lookupFrame(topic, id, authoritative, this.options.listenerName), `lookup of ${topic}`);
      const r = res.lookupTopicResponse;
      if (r.response === LookupType.Failed) {
        const err = errorFromServer(r.error, r.message, `lookup of ${topic}`);
        if (r.error === ServerError.ServiceNotReady) (err as { canRetry: boolean }).canRetry = true;
        throw err;
      }
      if (r.response === LookupType.Connect && r.proxyThroughServiceUrl) {
        // the client-to-proxy hop keeps the service URL's TLS; the proxy wants only the broker's host:port
        const target = parseServiceUrl(
          (conn.address.tls && r.brokerServiceUrlTls) || r.brokerServiceUrl,
          'lookup response',
          'brokerServiceUrl',
        )[0];
        return { address: conn.address, proxyToBrokerUrl: hostPort(target) };
      }
      const url = this.brokerUrl(conn, r, topic);
      const address = parseServiceUrl(url, 'lookup response', 'brokerServiceUrl')[0];
      if (r.response === LookupType.Connect) return { address };
      authoritative = r.authoritative;
      redirected();
      conn = await this.pool.get(address);
    }
    throw new ConnectionError(`lookup of ${topic} was redirected more than ${MAX_LOOKUP_REDIRECTS} times`);
  }

  /** Over TLS only the TLS URL will do: falling back to the plaintext one would send credentials in clear. */
  private brokerUrl(conn: Connection, r: { brokerServiceUrl?: string; brokerServiceUrlTls?: string }, topic: string): string {
    if (!conn.address.tls) return r.brokerServiceUrl ?? '';
    if (r.brokerServiceUrlTls) return r.brokerServiceUrlTls;
    throw new TlsError(
      `lookup of ${topic} over TLS: the broker named no TLS URL (brokerServiceUrlTls), only ${JSON.stringify(r.brokerServiceUrl ?? '')}; cortado never downgrades to plaintext. Enable brokerServicePortTls on every broker (or use a pulsar:// service URL)`,
    );
  }
}

/** `host:port`, the form the proxy expects in proxy_to_broker_url (not a pulsar:// URL). */
export function hostPort(a: BrokerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

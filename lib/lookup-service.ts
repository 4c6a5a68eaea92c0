import { lookupFrame, partitionedMetadataFrame } from '../protocol/commands';
import { LookupType, ServerError } from '../protocol/proto';
import { Connection } from './connection';
import { ConnectionPool } from './connection-pool';
import { ConnectionError, CortadoError, ProtocolError } from './errors';
import { errorFromServer } from './server-errors';
import { BrokerAddress, parseServiceUrl } from './service-url';

/** The Java and C++ clients give up after this many lookup redirects. */
export const MAX_LOOKUP_REDIRECTS = 20;

/**
 * The most partitions a topic may claim. The broker has no default cap
 * (maxNumPartitionsPerPartitionedTopic = 0) and the field is a uint32: an answer of 2^32-1 would
 * make the client build billions of partition producers. Real topics have at most thousands.
 */
export const MAX_PARTITIONS = 100_000;

export interface LookupResult {
  address: BrokerAddress;
  /** set when the broker must be reached through the service URL (a proxy) */
  proxyToBrokerUrl?: string;
}

/** Topology: partition counts and which broker owns a topic, asked over the binary protocol. */
export class LookupService {
  private next = 0;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly serviceAddresses: BrokerAddress[],
  ) {}

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
  async partitionCount(topic: string): Promise<number> {
    const conn = await this.serviceConnection();
    const res = await conn.request((id) => partitionedMetadataFrame(topic, id), `partitioned metadata of ${topic}`);
    const r = res.partitionMetadataResponse;
    if (r.response === 1) throw errorFromServer(r.error, r.message, `partitioned metadata of ${topic}`);
    if (r.partitions > MAX_PARTITIONS) {
      throw new ProtocolError(`partitioned metadata of ${topic}: ${conn.key} reports ${r.partitions} partitions; cortado accepts 0 to ${MAX_PARTITIONS}`);
    }
    return r.partitions;
  }

  /** LOOKUP, following Redirect answers with their authoritative flag, up to 20 times. */
  async lookup(topic: string): Promise<LookupResult> {
    let conn = await this.serviceConnection();
    let authoritative = false;
    for (let hop = 0; hop <= MAX_LOOKUP_REDIRECTS; hop++) {
      const res = await conn.request((id) => lookupFrame(topic, id, authoritative), `lookup of ${topic}`);
      const r = res.lookupTopicResponse;
      if (r.response === LookupType.Failed) {
        const err = errorFromServer(r.error, r.message, `lookup of ${topic}`);
        if (r.error === ServerError.ServiceNotReady) (err as { canRetry: boolean }).canRetry = true;
        throw err;
      }
      const url: string = conn.address.tls && r.brokerServiceUrlTls ? r.brokerServiceUrlTls : r.brokerServiceUrl;
      const address = parseServiceUrl(url, 'lookup response', 'brokerServiceUrl')[0];
      if (r.response === LookupType.Connect) {
        if (r.proxyThroughServiceUrl) return { address: conn.address, proxyToBrokerUrl: url };
        return { address };
      }
      authoritative = r.authoritative;
      conn = await this.pool.get(address);
    }
    throw new ConnectionError(`lookup of ${topic} was redirected more than ${MAX_LOOKUP_REDIRECTS} times`);
  }
}

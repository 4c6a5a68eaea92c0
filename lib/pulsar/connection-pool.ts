import { Connection, ConnectionOptions } from './connection';
import { ClosedError } from '../core/errors';
import { addressKey, BrokerAddress } from './service-url';

/** One connection per broker address, opened on first use and shared by every worker on it. */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<Connection>>();
  private isClosed = false;

  constructor(readonly options: ConnectionOptions) {}

  get(address: BrokerAddress, proxyToBrokerUrl?: string): Promise<Connection> {
    if (this.isClosed) return Promise.reject(new ClosedError('the client is closed'));
    const key = addressKey(address) + (proxyToBrokerUrl ? `->${proxyToBrokerUrl}` : '');
    const existing = this.connections.get(key);
    if (existing) return existing;
    const opening = Connection.connect(address, this.options, proxyToBrokerUrl).then(
      (conn) => {
        // closed in the read that completed its handshake, before this ran: never hand it out
        const died = conn.closedError;
        if (died) {
          if (this.connections.get(key) === opening) this.connections.delete(key);
          throw died;
        }
        // a dead connection leaves the pool so the next user opens a fresh one
        conn.once('close', () => {
          if (this.connections.get(key) === opening) this.connections.delete(key);
        });
        return conn;
      },
      (err) => {
        this.connections.delete(key);
        throw err;
      },
    );
    this.connections.set(key, opening);
    return opening;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** How many broker connections are open or opening. */
  get size(): number {
    return this.connections.size;
  }

  /** Closes every socket; nothing the pool opened keeps the process alive afterwards. */
  async close(): Promise<void> {
    this.isClosed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const p of all) {
      try {
        (await p).destroy();
      } catch {
        // a connection that never opened has nothing to close
      }
    }
  }
}

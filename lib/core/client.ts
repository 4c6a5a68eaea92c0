import type { AnyAdmin, AnyReader, AnyReaderOptions } from './backend';
import { ClientSession } from './client-session';
import { Consumer } from './consumer';
import { ClosedError, InvalidArgumentError } from './errors';
import { Producer } from './producer';
import type { Receipt } from './receipt';
import type { ClientOptions, ConsumerOptions, ProducerOptions } from './types';

/** Options of `new Client(options)`: the connection, TLS and auth knobs, and the memory budget its producers share. */
export interface SharedClientOptions extends ClientOptions {
  /** Bytes of unsettled payloads across all of this client's producers; 0: no limit. @default 67108864 */
  memoryLimitBytes?: number;
}

interface Closable {
  close(): unknown;
}

/**
 * One backend session (connections, lookup and partition cache, auth, memory budget) shared by
 * the producers, consumers and admins made from it, as the Java, C++ and Node clients share one
 * client object. `close()` closes everything it made, then the connections.
 */
export class Client {
  private readonly session: ClientSession;
  private readonly made = new Set<Closable>();

  constructor(
    options: SharedClientOptions = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.session = ClientSession.parse(options as Record<string, unknown>, env);
  }

  /** The backend the URL's scheme chose (`pulsar`, ...). */
  get backendName(): string {
    return this.session.factory.name;
  }

  /** The shared memory budget: bytes of unsettled payloads now held by this client's producers. */
  get memoryUsedBytes(): number {
    return this.session.memory.usedBytes;
  }

  /** A producer on this client's connections and memory budget; client-level options are refused here. */
  producer<R extends Receipt = Receipt>(options: ProducerOptions = {}): Producer<R> {
    this.checkOpen();
    return this.keep(new Producer<R>(options, this.env, this.session));
  }

  /** A consumer on this client's connections; client-level options are refused here. */
  consumer(options: ConsumerOptions = {}): Consumer {
    this.checkOpen();
    return this.keep(new Consumer(options, this.env, this.session));
  }

  /** A Reader (Pulsar) on this client's connections: reads a topic from a position, with no durable subscription. */
  reader(options: AnyReaderOptions): AnyReader {
    this.checkOpen();
    const make = this.session.factory.reader;
    if (!make) throw new InvalidArgumentError(`the ${this.session.factory.name} backend has no Reader; use a consumer`);
    return this.keep(make(options, this.env, this.session) as AnyReader & Closable);
  }

  /** The backend's admin client, with this client's TLS and authentication settings. */
  admin(): AnyAdmin {
    this.checkOpen();
    return this.keep(this.session.backend.admin());
  }

  /** Closes every producer, consumer and admin made from this client, then its connections. */
  async close(): Promise<void> {
    const all = [...this.made];
    this.made.clear();
    await Promise.all(all.map((c) => Promise.resolve(c.close()).catch(() => undefined)));
    await this.session.close();
  }

  private checkOpen(): void {
    if (this.session.closed) throw new ClosedError('the client is closed');
  }

  private keep<T extends Closable>(c: T): T {
    this.made.add(c);
    return c;
  }
}

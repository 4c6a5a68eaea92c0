import { expect } from 'chai';
import { Consumer, ConsumerOptions } from '../../lib/core/consumer';
import type { ScriptedBroker } from './scripted-broker';

/**
 * The consumers one scripted-broker test opens: each on the peer's URL with subscription `s` from
 * the earliest message, started, and closed by `end()` before the peer stops.
 */
export class ScriptedConsumers {
  private readonly open: Consumer[] = [];

  constructor(private readonly defaults: ConsumerOptions = {}) {}

  /** A consumer of `peer`, not yet started (for tests that listen to events first). */
  make(peer: ScriptedBroker, opts: ConsumerOptions = {}): Consumer {
    const c = new Consumer(
      {
        url: peer.url,
        subscription: 's',
        subscriptionInitialPosition: 'earliest',
        operationTimeoutMs: 3000,
        closeTimeoutMs: 3000,
        ...this.defaults,
        ...opts,
      },
      {},
    );
    this.open.push(c);
    return c;
  }

  async start(peer: ScriptedBroker, opts: ConsumerOptions = {}): Promise<Consumer> {
    const c = this.make(peer, opts);
    await c.start();
    return c;
  }

  /** Closes every consumer, then the peer, which must have seen nothing it could not parse. */
  async end(peer: ScriptedBroker | undefined): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.close()));
    await peer?.stop();
    expect(peer?.errors ?? []).to.deep.equal([]);
  }
}

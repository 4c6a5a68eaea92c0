import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import type { Connection } from '../../../../lib/pulsar/connection';
import type { ConnectionPool } from '../../../../lib/pulsar/connection-pool';
import { CHANNELS, HandlerStateEvent } from '../../../../lib/core/diagnostics';
import { BrokerError } from '../../../../lib/core/errors';
import { HandlerBase, HandlerContext } from '../../../../lib/pulsar/handler-base';
import type { LookupService } from '../../../../lib/pulsar/lookup-service';

// A handler whose registration always succeeds at once: only the state changes are under test.
class Probe extends HandlerBase {
  protected async register(): Promise<void> {}
  protected release(): void {}
  protected becameReady(): void {}
  protected failPending(): void {}
  lose(): void {
    this.connectionLost();
  }
  failWith(err: BrokerError): void {
    this.fail(err);
  }
}

function context(extra: Partial<HandlerContext>): HandlerContext {
  const conn = { closed: false } as unknown as Connection;
  return {
    pool: { get: async () => conn } as unknown as ConnectionPool,
    lookup: { lookup: async () => ({ address: { host: '127.0.0.1', port: 1, tls: false } }) } as unknown as LookupService,
    operationTimeoutMs: 1000,
    ...extra,
  };
}

function listen(name: string): { seen: HandlerStateEvent[]; stop(): void } {
  const seen: HandlerStateEvent[] = [];
  const fn = (m: unknown) => void seen.push(m as HandlerStateEvent);
  diagnostics_channel.subscribe(name, fn);
  return { seen, stop: () => diagnostics_channel.unsubscribe(name, fn) };
}

describe('lib/handler-base state changes', () => {
  it('publishes each change on cortado:producer and tells onStateChange, the failure included', async () => {
    const ch = listen(CHANNELS.producer);
    const other = listen(CHANNELS.consumer);
    const told: HandlerStateEvent[] = [];
    try {
      const h = new Probe('persistent://public/default/t-partition-0', context({ kind: 'producer', onStateChange: (c) => told.push(c) }));
      await h.start();
      h.lose();
      const fenced = new BrokerError('fenced', 'ProducerFenced');
      h.failWith(fenced);
      const path = ch.seen.map((e) => `${e.from}>${e.to}`);
      expect(path).to.deep.equal(['idle>connecting', 'connecting>ready', 'ready>connecting', 'connecting>failed']);
      expect(ch.seen.every((e) => e.topic === 'persistent://public/default/t-partition-0')).to.equal(true);
      expect(ch.seen[3].error).to.equal(fenced);
      expect(told).to.deep.equal(ch.seen);
      expect(other.seen).to.deep.equal([]);
    } finally {
      ch.stop();
      other.stop();
    }
  });

  it("publishes a consumer's changes on cortado:consumer, and a throwing observer stops nothing", async () => {
    const ch = listen(CHANNELS.consumer);
    try {
      const h = new Probe(
        't',
        context({
          kind: 'consumer',
          onStateChange: () => {
            throw new Error('observer bug');
          },
        }),
      );
      await h.start();
      expect(h.ready).to.equal(true);
      expect(ch.seen.map((e) => e.to)).to.deep.equal(['connecting', 'ready']);
    } finally {
      ch.stop();
    }
  });
});

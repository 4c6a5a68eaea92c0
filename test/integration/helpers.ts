import * as crypto from 'crypto';
import { MessageId, Producer, ProducerOptions } from '../../lib';
import { Consumer, ConsumerOptions } from '../../lib/core/consumer';
import type { PulsarBroker } from '../../tools/pulsar-standalone';
import { getBroker } from '../support/broker';
import type { Message } from '../../lib/pulsar/received-message';

/** A topic name unique to this test run, so runs against a reused broker never collide. */
const RUN = crypto.randomBytes(3).toString('hex');
export function uniqueTopic(base: string): string {
  return `persistent://public/default/${base}-${RUN}`;
}

/** Reads `count` messages with a cortado consumer from the earliest position, acknowledging each. */
export async function readBack(
  url: string,
  topic: string,
  count: number,
  opts: ConsumerOptions = {},
  timeoutMs = 30_000,
): Promise<Message[]> {
  const c = new Consumer(
    {
      url,
      topics: [topic],
      subscription: `read-${crypto.randomBytes(3).toString('hex')}`,
      subscriptionInitialPosition: 'earliest',
      ...opts,
    },
    {},
  );
  await c.start();
  const out: Message[] = [];
  const timer = setTimeout(() => void c.close(), timeoutMs);
  try {
    for await (const m of c) {
      out.push(m);
      c.ack(m);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await c.close();
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check()` holds, checking every 50 ms; throws naming `what` after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

/**
 * Hooks for a describe block that talks to the run's broker: `b.broker` once started, and
 * `b.producer()` / `b.consumer()` that start clients and close them after each test.
 */
export function withBroker() {
  const open: Array<{ close(): Promise<void> }> = [];
  const ctx = {
    broker: undefined as unknown as PulsarBroker,
    async producer(opts: ProducerOptions): Promise<Producer<MessageId>> {
      const p = new Producer<MessageId>({ url: ctx.broker.serviceUrl, ...opts }, {});
      open.push(p);
      await p.start();
      return p;
    },
    async consumer(opts: ConsumerOptions): Promise<Consumer> {
      const c = new Consumer({ url: ctx.broker.serviceUrl, subscriptionInitialPosition: 'earliest', ...opts }, {});
      open.push(c);
      await c.start();
      return c;
    },
  };
  before(async function () {
    this.timeout(300_000);
    ctx.broker = await getBroker();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
  });
  return ctx;
}

/** The distribution home for the Java client; a test without one is skipped and says why. */
export function javaHome(ctx: Mocha.Context, broker: PulsarBroker): string {
  if (!broker.home) {
    console.warn('    (no Pulsar distribution here: the Java client interop check is skipped)');
    ctx.skip();
  }
  return broker.home!;
}

import * as crypto from 'crypto';
import { Consumer, ConsumerOptions } from '../../lib/consumer';
import type { Message } from '../../lib/received-message';

/** A topic name unique to this test run, so runs against a reused broker never collide. */
const RUN = crypto.randomBytes(3).toString('hex');
export function uniqueTopic(base: string): string {
  return `persistent://public/default/${base}-${RUN}`;
}

/** Reads `count` messages with a cortado consumer from the earliest position, acknowledging each. */
export async function readBack(url: string, topic: string, count: number, opts: ConsumerOptions = {}, timeoutMs = 30_000): Promise<Message[]> {
  const c = new Consumer({ url, topics: [topic], subscription: `read-${crypto.randomBytes(3).toString('hex')}`, subscriptionInitialPosition: 'earliest', ...opts }, {});
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

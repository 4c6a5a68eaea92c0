import * as crypto from 'crypto';
import { Client, Consumer, KafkaAdmin, Message, RecordMetadata } from '../../lib';
import type { KafkaBroker } from '../../tools/kafka-broker';
import type { JavaGroupMember } from '../../tools/kafka-java';
import { getKafkaBroker } from './kafka-broker';

// What the Kafka consumer group tests share: the run's broker, a client and admin, the consumers and
// Java members a test opened (closed after it), and a poll for a condition.

export const RUN = crypto.randomBytes(3).toString('hex');
export const topicName = (base: string): string => `${base}-${RUN}`;

/** Polls `cond` every 50 ms; throws naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The partitions the group gave a consumer now (the façade's open sources). */
export const ownedCount = (c: Consumer): number => (c as unknown as { consumers: Map<string, unknown> }).consumers.size;
export const offsetOf = (m: Message): number => (m.messageId as RecordMetadata).offset;

export interface GroupFixture {
  broker: KafkaBroker;
  client: Client;
  admin: KafkaAdmin;
  /** a consumer with short heartbeat and commit intervals, closed after the test */
  consumer(opts: ConstructorParameters<typeof Consumer>[0]): Consumer;
  /** a Java member to stop after the test */
  keep(j: JavaGroupMember): JavaGroupMember;
}

/** Registers the mocha hooks of a describe block that opens group consumers against the run's Kafka broker. */
export function groupFixture(): GroupFixture {
  const open: Consumer[] = [];
  const javas: JavaGroupMember[] = [];
  const f = {
    consumer(opts: ConstructorParameters<typeof Consumer>[0]): Consumer {
      const c = new Consumer({ url: f.broker.bootstrap, heartbeatIntervalMs: 500, offsetCommitIntervalMs: 500, ...opts }, {});
      open.push(c);
      return c;
    },
    keep(j: JavaGroupMember): JavaGroupMember {
      javas.push(j);
      return j;
    },
  } as GroupFixture;
  before(async function () {
    this.timeout(300_000);
    f.broker = await getKafkaBroker();
    f.client = new Client({ url: f.broker.bootstrap }, {});
    f.admin = f.client.admin() as KafkaAdmin;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
    await Promise.all(javas.splice(0).map((j) => j.stop().catch(() => undefined)));
  });
  after(async () => {
    await f.client?.close();
  });
  return f;
}

import { Client, KafkaAdmin } from '../../lib';
import { KafkaBroker, KafkaStartOptions, startKafka } from '../../tools/kafka-broker';

// One single-node Kafka per test process, started by the first test that asks for it.
let shared: Promise<KafkaBroker> | undefined;

/** The run's Kafka broker; a failed start is remembered, so every Kafka test fails fast with its log. */
export function getKafkaBroker(): Promise<KafkaBroker> {
  shared ??= startKafka();
  return shared;
}

/** Stops the shared Kafka broker if one was started; a no-op otherwise. */
export async function stopKafkaBroker(): Promise<void> {
  const b = shared;
  shared = undefined;
  await (await b?.catch(() => undefined))?.stop();
}

/**
 * A Kafka integration suite's setup: the shared broker, a client of it and its admin, started
 * before the suite's tests; what the tests put in `open` closes after each, the client after all.
 */
export function kafkaSuite(open: Array<{ close(): Promise<unknown> }> = []): { broker: KafkaBroker; client: Client; admin: KafkaAdmin } {
  const k = {} as { broker: KafkaBroker; client: Client; admin: KafkaAdmin };
  before(async function () {
    this.timeout(300_000);
    k.broker = await getKafkaBroker();
    k.client = new Client({ url: k.broker.bootstrap }, {});
    k.admin = k.client.admin() as KafkaAdmin;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
  });
  after(async () => {
    await k.client?.close();
  });
  return k;
}

/** A broker of the suite's own, for tests that kill it (the shared one must not die under other tests). */
export function ownKafkaBroker(opts: KafkaStartOptions = {}): () => KafkaBroker {
  let broker: KafkaBroker | undefined;
  before(async function () {
    this.timeout(180_000);
    broker = await startKafka({ log: () => undefined, ...opts });
  });
  after(async function () {
    this.timeout(60_000);
    await broker?.stop();
  });
  return () => broker!;
}

import { KafkaBroker, startKafka } from '../../tools/kafka-broker';

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

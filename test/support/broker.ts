import { PulsarBroker, startPulsar } from '../../tools/pulsar-standalone';

// One broker per test process, started by the first integration test that asks for it.
let shared: Promise<PulsarBroker> | undefined;

/** The run's broker; a failed start is remembered, so every integration test fails fast with its log. */
export function getBroker(): Promise<PulsarBroker> {
  shared ??= startPulsar();
  return shared;
}

/** Stops the shared broker if one was started; a no-op otherwise. */
export async function stopBroker(): Promise<void> {
  const b = shared;
  shared = undefined;
  await (await b?.catch(() => undefined))?.stop();
}

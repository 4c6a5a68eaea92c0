import { PulsarBroker, startPulsar } from '../../harness/pulsar-standalone';

let shared: Promise<PulsarBroker> | undefined;

/** The one broker of this test run, started by the first integration test that asks. */
export function getBroker(): Promise<PulsarBroker> {
  shared ??= startPulsar();
  return shared;
}

export async function stopBroker(): Promise<void> {
  if (!shared) return;
  const b = shared;
  shared = undefined;
  await (await b.catch(() => undefined))?.stop();
}

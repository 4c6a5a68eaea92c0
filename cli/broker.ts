import { startPulsar, type PulsarBroker } from '../tools/pulsar-standalone';
import { waitWith } from './progress';

/** Starts the local broker behind one live line; its log lines are shown only if the start fails. */
export function startBrokerWithProgress(): Promise<PulsarBroker> {
  const log: string[] = [];
  return waitWith('starting a local Pulsar standalone', startPulsar({ log: (line) => log.push(line) })).catch((err: Error) => {
    for (const line of log) process.stderr.write(`[pulsar] ${line}\n`);
    throw err;
  });
}

/** cortado broker: a local Pulsar standalone for development, up until Ctrl-C. */
export async function brokerCommand(): Promise<void> {
  const b = await startBrokerWithProgress();
  process.stdout.write(
    [
      `Pulsar broker ready (${b.via})`,
      `  export CORTADO_URL=${b.serviceUrl}`,
      `  export CORTADO_ADMIN_URL=${b.adminUrl}`,
      `  (the test suite reuses it with CORTADO_TEST_URL=${b.serviceUrl} CORTADO_TEST_ADMIN_URL=${b.adminUrl})`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const stop = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n${sig}: stopping the broker\n`);
      clearInterval(keepAlive);
      void b.stop().finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

import { startPulsar } from '../harness/pulsar-standalone';
import { waitWith } from './progress';

/** cortado broker: a local Pulsar standalone for development, up until Ctrl-C. */
export async function brokerCommand(): Promise<void> {
  const log: string[] = [];
  const b = await waitWith('starting a local Pulsar standalone', startPulsar({ log: (line) => log.push(line) })).catch((err: Error) => {
    for (const line of log) process.stderr.write(`[pulsar] ${line}\n`);
    throw err;
  });
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

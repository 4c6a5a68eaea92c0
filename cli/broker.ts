import { startKafka, type KafkaBroker } from '../tools/kafka-broker';
import { startPulsar, type PulsarBroker } from '../tools/pulsar-standalone';
import { waitWith } from './progress';

/** Runs a broker start behind one live line; its log lines are shown only if the start fails. */
function withProgress<T>(label: string, prefix: string, start: (log: (line: string) => void) => Promise<T>): Promise<T> {
  const log: string[] = [];
  return waitWith(
    label,
    start((line) => log.push(line)),
  ).catch((err: Error) => {
    for (const line of log) process.stderr.write(`[${prefix}] ${line}\n`);
    throw err;
  });
}

/** Starts the local broker behind one live line; its log lines are shown only if the start fails. */
export function startBrokerWithProgress(): Promise<PulsarBroker> {
  return withProgress('starting a local Pulsar standalone', 'pulsar', (log) => startPulsar({ log }));
}

/** Starts a local single-node Kafka behind one live line. */
export function startKafkaWithProgress(): Promise<KafkaBroker> {
  return withProgress('starting a local Kafka broker', 'kafka', (log) => startKafka({ log }));
}

/** Resolves once Ctrl-C (or SIGTERM) arrived and the broker stopped. */
function holdUntilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n${sig}: stopping the broker\n`);
      clearInterval(keepAlive);
      void stop().finally(resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/** cortado broker [--kafka]: a local Pulsar standalone (or Kafka node) for development, up until Ctrl-C. */
export async function brokerCommand(opts: { kafka?: boolean } = {}): Promise<void> {
  if (opts.kafka) {
    const k = await startKafkaWithProgress();
    process.stdout.write(
      [`Kafka broker ready (KRaft, 1 node, data in ${k.dir})`, `  export CORTADO_URL=${k.bootstrap}`, 'Ctrl-C stops it.', ''].join('\n'),
    );
    return holdUntilSignal(() => k.stop());
  }
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
  return holdUntilSignal(() => b.stop());
}

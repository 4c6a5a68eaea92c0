import { startPulsar } from './pulsar-standalone';

// npm run broker: a local Pulsar for manual use, up until Ctrl-C.
async function main(): Promise<void> {
  const b = await startPulsar();
  console.log(`Pulsar broker ready (${b.via})`);
  console.log(`  serviceUrl: ${b.serviceUrl}   (export CORTADO_TEST_URL=${b.serviceUrl})`);
  console.log(`  adminUrl:   ${b.adminUrl}   (export CORTADO_TEST_ADMIN_URL=${b.adminUrl})`);
  if (b.home) console.log(`  Java client: ${b.home}/bin/pulsar-client --url ${b.serviceUrl} ...`);
  console.log('Ctrl-C stops it.');
  // keeps the event loop alive until a signal arrives
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = (sig: NodeJS.Signals) => {
    console.log(`\n${sig}: stopping the broker`);
    clearInterval(keepAlive);
    void b.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

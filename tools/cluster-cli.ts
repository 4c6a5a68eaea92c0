import { startCluster } from './cluster';

// npm run cluster: the two-broker cluster with its proxy for manual use, up until Ctrl-C.
async function main(): Promise<void> {
  const c = await startCluster();
  console.log(`Pulsar cluster ready in ${c.startSeconds.toFixed(1)} s`);
  console.log(`  service URL (both brokers): ${c.serviceUrl}`);
  for (const b of c.brokers) console.log(`  broker ${b.id}: ${b.serviceUrl}  ${b.serviceUrlTls}  admin ${b.adminUrl}`);
  console.log(`  proxy: ${c.proxyUrl}  ${c.proxyUrlTls}  admin ${c.proxyAdminUrl}`);
  console.log(`  TLS CA for pulsar+ssl:// (export CORTADO_TLS_CA_FILE=${c.pki.caCert})`);
  console.log('Ctrl-C stops it.');
  // keeps the event loop alive until a signal arrives
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = (sig: NodeJS.Signals) => {
    console.log(`\n${sig}: stopping the cluster`);
    clearInterval(keepAlive);
    void c.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

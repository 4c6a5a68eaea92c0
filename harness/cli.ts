import { startPulsar } from './pulsar-standalone';

// npm run broker: a local Pulsar for manual use, up until Ctrl-C.
startPulsar().then(
  (b) => {
    console.log(`Pulsar ${b.via} broker ready\n  CORTADO_URL=${b.serviceUrl}\n  admin: ${b.adminUrl}\nCtrl-C stops it.`);
    const stop = () => void b.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    setInterval(() => undefined, 1 << 30);
  },
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);

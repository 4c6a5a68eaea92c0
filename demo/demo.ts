import { Producer, MessageId } from '../lib';
import type { PulsarBroker } from '../tools/pulsar-standalone';
import { createPartitionedTopic } from '../tools/admin';
import { startBrokerWithProgress } from '../cli/broker';
import { liveLine } from '../cli/progress';

// The main job: produce a few thousand keyed messages to a partitioned topic with the configured
// strategy and print per-partition counts and the send rate. With no CORTADO_URL it starts a
// local Pulsar standalone itself (the embedded default).
async function main(): Promise<void> {
  const count = Number(process.env.DEMO_MESSAGES ?? 5000);
  const partitions = Number(process.env.DEMO_PARTITIONS ?? 4);
  let broker: PulsarBroker | undefined;
  let url = process.env.CORTADO_URL;
  let adminUrl = process.env.CORTADO_ADMIN_URL;
  if (!url) {
    console.log('CORTADO_URL is not set: starting a local Pulsar standalone (embedded default)');
    broker = await startBrokerWithProgress();
    url = broker.serviceUrl;
    adminUrl = broker.adminUrl;
  }
  const topic = process.env.CORTADO_TOPICS?.split(',')[0]?.trim() || `persistent://public/default/cortado-demo-${Date.now()}`;
  if (adminUrl) {
    await createPartitionedTopic(adminUrl, topic, partitions).catch((e: Error) =>
      console.log(`topic not created (${e.message.split('\n')[0]}); using it as it is`),
    );
  }
  const producer = new Producer<MessageId>({ url, topics: [topic] });
  try {
    await producer.start();
    const n = producer.partitionsOf(topic)!;
    console.log(
      `topic ${topic}: ${n} partition(s), strategy ${String(producer.config.partitionStrategy)}, ${producer.config.workerAllocation}`,
    );
    const counts = new Array(n).fill(0);
    const t0 = process.hrtime.bigint();
    let done = 0;
    const line = liveLine(`sending ${count} messages`, 1000);
    const timer = setInterval(() => line.update(`sending: ${done}/${count} stored`), 200);
    const ids = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.produceSync(topic, `user-${i % 500}`, `event ${i} at ${Date.now()}`).then((id) => (done++, id)),
      ),
    ).finally(() => {
      clearInterval(timer);
      line.update(`sending: ${done}/${count} stored`);
      line.stop();
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const id of ids) counts[id.partition]++;
    counts.forEach((c, i) => console.log(`partition ${i}: ${c} messages`));
    console.log(`sent ${count} messages in ${secs.toFixed(2)} s: ${Math.round(count / secs)} msg/s`);
  } finally {
    await producer.close();
    await broker?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

import { Client, KafkaAdmin, Producer, type Receipt } from '../lib';
import type { PulsarBroker } from '../tools/pulsar-standalone';
import type { KafkaBroker } from '../tools/kafka-broker';
import { createPartitionedTopic } from '../tools/admin';
import { startBrokerWithProgress, startKafkaWithProgress } from '../cli/broker';
import { liveLine } from '../cli/progress';

// The main job: produce a few thousand keyed messages to a partitioned topic with the configured
// strategy and print per-partition counts and the send rate. With no CORTADO_URL it starts a
// local broker itself: a Pulsar standalone (the embedded default), or Kafka with DEMO_BACKEND=kafka.
async function main(): Promise<void> {
  const count = Number(process.env.DEMO_MESSAGES ?? 5000);
  const partitions = Number(process.env.DEMO_PARTITIONS ?? 4);
  const kafka = (process.env.DEMO_BACKEND ?? 'pulsar').toLowerCase() === 'kafka';
  let broker: PulsarBroker | KafkaBroker | undefined;
  let url = process.env.CORTADO_URL;
  let adminUrl = process.env.CORTADO_ADMIN_URL;
  if (!url && kafka) {
    console.log('CORTADO_URL is not set: starting a local Kafka broker (DEMO_BACKEND=kafka)');
    const k = await startKafkaWithProgress();
    broker = k;
    url = k.bootstrap;
  } else if (!url) {
    console.log('CORTADO_URL is not set: starting a local Pulsar standalone (embedded default)');
    const b = await startBrokerWithProgress();
    broker = b;
    url = b.serviceUrl;
    adminUrl = b.adminUrl;
  }
  const isKafka = url.startsWith('kafka');
  const topic =
    process.env.CORTADO_TOPICS?.split(',')[0]?.trim() ||
    (isKafka ? `cortado-demo-${Date.now()}` : `persistent://public/default/cortado-demo-${Date.now()}`);
  const notCreated = (e: Error) => console.log(`topic not created (${e.message.split('\n')[0]}); using it as it is`);
  // the client carries the CORTADO_* security settings, so its admin reaches a secured Kafka too
  const client = new Client({ url });
  if (isKafka) await (client.admin() as KafkaAdmin).createPartitionedTopic(topic, partitions).catch(notCreated);
  else if (adminUrl) await createPartitionedTopic(adminUrl, topic, partitions).catch(notCreated);
  const producer = client.producer({ topics: [topic] }) as Producer<Receipt>;
  try {
    await producer.start();
    const n = Math.max(producer.partitionsOf(topic)!, 1);
    console.log(
      `topic ${topic} (${isKafka ? 'Kafka' : 'Pulsar'}): ${n} partition(s), strategy ${String(producer.config.partitionStrategy)}, ${producer.config.workerAllocation}`,
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
    await client.close();
    await broker?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

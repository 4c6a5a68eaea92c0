// A produce (zstd, batched) and consume round trip; runs unchanged on Node, Bun and Deno.
import { Consumer, Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `roundtrip-${Date.now()}`;
  const count = 100;
  const producer = new Producer<MessageId>({ topics: [topic], compression: 'zstd', batchingEnabled: true });
  await producer.start();
  await Promise.all(Array.from({ length: count }, (_, i) => producer.produce(topic, `k${i % 7}`, `message ${i}`)));
  await producer.close();

  const consumer = new Consumer({ topics: [topic], subscription: 'roundtrip', subscriptionInitialPosition: 'earliest' });
  await consumer.start();
  const values = new Set<string>();
  for await (const m of consumer) {
    values.add(m.value.toString());
    consumer.ack(m);
    if (values.size === count) break;
  }
  await consumer.close();
  console.log(`round trip: ${values.size} of ${count} messages back`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

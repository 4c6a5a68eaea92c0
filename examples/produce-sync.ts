// produceSync in each of its forms. Run `cortado broker` (or `npm run broker`) and export the
// CORTADO_URL and CORTADO_ADMIN_URL it prints; every option below can also come from CORTADO_*.
import { Admin, Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `orders-${Date.now()}`; // a fresh topic for every run
  // four partitions, so the explicit-partition form below has a partition 2 to send to
  const admin = new Admin();
  await admin.createPartitionedTopic(topic, 4);
  admin.close();

  const producer = new Producer<MessageId>({ topics: [topic], partitionStrategy: 'murmur3_32' });
  await producer.start(); // learns partition counts, registers producers

  // resolves once the broker has stored the message, with where it went
  const first = await producer.produceSync('order-1', '{"total": 3}'); // first configured topic
  console.log(`order-1 stored in partition ${first.partition} at ${first.ledgerId}:${first.entryId}`);
  await producer.produceSync(topic, 'order-1', Buffer.from('bytes work too'));
  const pinned = await producer.produceSync(topic, 2, 'order-1', 'to partition 2, no strategy');
  console.log(`pinned to partition ${pinned.partition}`);

  // per-message options
  await producer.produceSync(topic, 'order-1', 'v', {
    properties: { source: 'web' },
    eventTime: new Date(),
    orderingKey: 'customer-7', // Key_Shared ordering
    timeout: 10_000,
  });
  await producer.close(); // waits for in-flight sends, closes producers and sockets
  console.log('produced 4 messages');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

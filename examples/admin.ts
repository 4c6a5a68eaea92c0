// The Admin: topics, partitions and stats over the broker's REST API (CORTADO_ADMIN_URL).
import { Admin, Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const admin = new Admin(); // adminUrl, tls* and authToken as the clients read them
  const topic = `inventory-${Date.now()}`;
  await admin.createPartitionedTopic(topic, 2);
  await admin.updatePartitions(topic, 3); // partitions only ever grow
  console.log(`partitions: ${(await admin.listPartitions(topic)).join(', ')}`);

  const producer = new Producer<MessageId>({ topics: [topic], partitionStrategy: 'round_robin' });
  await producer.start();
  for (let i = 0; i < 6; i++) await producer.produceSync(topic, null, `item ${i}`);
  await producer.close();

  const stats = await admin.partitionedStats(topic);
  console.log(`messages in: ${stats.msgInCounter} over ${stats.metadata.partitions} partitions`);
  await admin.deleteTopic(topic, { force: true });
  admin.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

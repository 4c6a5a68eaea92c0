// The list form: messages grouped by partition, one request per partition (not atomic).
import { Admin, Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `payments-${Date.now()}`;
  const admin = new Admin();
  await admin.createPartitionedTopic(topic, 3);
  admin.close();

  const producer = new Producer<MessageId>({ topics: [topic] });
  await producer.start();
  const ids = await producer.produceSync(topic, [
    { key: 'a', value: '1' },
    { key: 'b', value: '2', properties: { currency: 'EUR' } },
    { key: 'c', value: '3' },
  ]);
  // one id per message, in the order given
  for (const id of ids) console.log(`partition ${id.partition} entry ${id.entryId}`);
  await producer.close();
  console.log(`produced a list of ${ids.length}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

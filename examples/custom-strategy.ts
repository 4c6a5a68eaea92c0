// A partition strategy is a plain function: (topic, currentPartition, partitionsCount, key, value) => partition.
import { Admin, Producer, type PartitionStrategy, MessageId } from 'cortado';

// VIP customers get partition 0 to themselves; everyone else shares the rest by key length.
const vipFirst: PartitionStrategy = (_topic, _current, count, key) => {
  const k = typeof key === 'string' ? key : '';
  return k.startsWith('vip-') ? 0 : 1 + (k.length % (count - 1));
};

async function main(): Promise<void> {
  const topic = `tickets-${Date.now()}`;
  const admin = new Admin();
  await admin.createPartitionedTopic(topic, 4);
  admin.close();

  const producer = new Producer<MessageId>({ topics: [topic], partitionStrategy: vipFirst });
  await producer.start();
  const vip = await producer.produceSync(topic, 'vip-ada', 'help!');
  const other = await producer.produceSync(topic, 'bob', 'hello');
  console.log(`vip-ada -> partition ${vip.partition}, bob -> partition ${other.partition}`);
  await producer.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

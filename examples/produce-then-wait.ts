// produce() hands each message over at once and returns its promise; await them together.
import { Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `clicks-${Date.now()}`;
  const producer = new Producer<MessageId>({ topics: [topic], batchingEnabled: true, compression: 'zstd' });
  await producer.start();

  const pending = [];
  for (let i = 0; i < 1000; i++) pending.push(producer.produce(topic, `user-${i % 10}`, `click ${i}`));
  // every promise settles once the broker stored its message (or the send failed)
  const ids = await Promise.all(pending);
  console.log(`stored ${ids.length} messages, the last in batch position ${ids[ids.length - 1].batchIndex}`);

  await producer.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

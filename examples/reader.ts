// Replay with a Reader (no durable subscription) and a consumer that seeks back.
import { Client, Consumer, MessageId, Producer } from 'cortado';

async function main(): Promise<void> {
  const topic = `ledger-${Date.now()}`;
  const producer = new Producer<MessageId>({ topics: [topic] });
  await producer.start();
  const ids: MessageId[] = [];
  for (let i = 1; i <= 5; i++) ids.push(await producer.produceSync(topic, `entry-${i}`, `amount ${i * 10}`));
  await producer.close();

  const client = new Client(); // CORTADO_URL
  // from a message id: startInclusive reads that message too; 'earliest' and 'latest' also work
  const reader = client.reader({ topic, startMessageId: ids[2], startInclusive: true });
  const read: string[] = [];
  while (await reader.hasMessageAvailable()) read.push((await reader.readNext())!.key!);
  console.log(`reader from ${ids[2].toString()}: ${read.join(', ')}`);
  await reader.seek(ids[0]); // seek moves it; with startInclusive the id's own message is read first
  console.log(`after seek: ${(await reader.readNext(5000))?.key}`);
  await client.close();

  const consumer = new Consumer({ topics: [topic], subscription: 'replay', subscriptionInitialPosition: 'earliest' });
  await consumer.start();
  for (let i = 0; i < 5; i++) consumer.ack((await consumer.receiveWithin(5000))!);
  await consumer.seek(ids[3]); // or a publish time: consumer.seek(Date.now() - 60_000)
  const again = await consumer.receiveWithin(5000);
  console.log(`consumer after seek: ${again?.key}; last stored: ${(await consumer.getLastMessageId()).toString()}`);
  await consumer.unsubscribe(); // the subscription is deleted on the broker, and the consumer closed
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

// Consuming with for await, acknowledging each message explicitly.
import { Consumer, Producer, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `audit-${Date.now()}`;
  const producer = new Producer<MessageId>({ topics: [topic] });
  await producer.start();
  for (let i = 1; i <= 3; i++) await producer.produceSync(topic, `event-${i}`, `payload ${i}`, { properties: { n: String(i) } });
  await producer.close();

  const reader = new Consumer({ topics: [topic], subscription: 'audit', subscriptionInitialPosition: 'earliest' });
  await reader.start();
  let n = 0;
  for await (const m of reader) {
    console.log(m.topic, m.partition, m.key, m.value.toString(), m.properties);
    reader.ack(m); // or reader.nack(m), reader.ackCumulative(m)
    if (++n === 3) break;
  }
  await reader.close();
  console.log(`read ${n} messages`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

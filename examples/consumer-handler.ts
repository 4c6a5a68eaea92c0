// Kaffe-style consuming: a handler gets one topic-partition's messages at a time, in order.
import { Consumer, Producer, type Message, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `orders-${Date.now()}`;
  const seen: Message[] = [];
  let allSeen!: () => void;
  const done = new Promise<void>((resolve) => (allSeen = resolve));

  const consumer = new Consumer({
    topics: [topic],
    subscription: 'billing',
    subscriptionType: 'key_shared',
    subscriptionInitialPosition: 'earliest',
    handleMessages: async (messages) => {
      for (const m of messages) seen.push(m);
      if (seen.length >= 5) allSeen();
      // return normally: all acknowledged; return { ack: false }: left unacknowledged;
      // throw: negatively acknowledged and redelivered after negativeAckRedeliveryDelayMs
    },
  });
  consumer.on('handlerError', (err) => console.error('handler failed:', err));
  await consumer.start();

  const producer = new Producer<MessageId>({ topics: [topic] });
  await producer.start();
  for (let i = 1; i <= 5; i++) await producer.produceSync(topic, `order-${i}`, `total ${i * 10}`);
  await producer.close();

  await done;
  await consumer.close();
  console.log(`handled ${seen.length} messages: ${seen.map((m) => m.key).join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

// Retry later, then dead letters: a handler asks for a message again in 200 ms by returning
// { retryLaterMs }; after maxRedeliverCount retries it lands in the dead letter topic. A second
// consumer subscribes by pattern and reads that dead letter topic.
import { Consumer, Producer, type Message, MessageId } from 'cortado';

async function main(): Promise<void> {
  const topic = `payments-${Date.now()}`;
  const tries: string[] = [];

  const consumer = new Consumer({
    topics: [topic],
    subscription: 'billing',
    subscriptionType: 'shared', // the broker honours a retry letter's delay on shared subscriptions
    subscriptionInitialPosition: 'earliest',
    enableRetry: true, // also subscribes <topic>-billing-RETRY
    deadLetterPolicy: { maxRedeliverCount: 2, initialSubscriptionName: 'audit' },
    handleMessages: (messages) => {
      for (const m of messages) tries.push(m.properties.RECONSUMETIMES ?? '0');
      return { retryLaterMs: 200 }; // or throw: nack; or return normally: ack
    },
  });
  await consumer.start();

  // every topic of public/default whose name matches, including those created later
  const audit = new Consumer({ topicsPattern: `${topic}-.*-DLQ`, subscription: 'audit', patternAutoDiscoveryPeriodMs: 1000 });
  audit.on('topicsChanged', (e) => console.log(`audit now follows ${e.added.join(', ')}`));
  await audit.start();

  const producer = new Producer<MessageId>({ topics: [topic] });
  await producer.start();
  await producer.produceSync(topic, 'card-42', 'charge 10 EUR', { properties: { attempt: 'web' } });
  await producer.close();

  const { value: dead } = (await audit.receive()) as IteratorResult<Message>;
  audit.ack(dead);
  console.log(`tried with RECONSUMETIMES ${tries.join(', ')}`);
  const p = dead.properties;
  console.log(`dead letter ${dead.key}: ${dead.value.toString()} RECONSUMETIMES=${p.RECONSUMETIMES} REAL_TOPIC=${p.REAL_TOPIC}`);
  await Promise.all([consumer.close(), audit.close()]);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

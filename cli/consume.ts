import { Consumer, RecordMetadata, type Message, type Receipt } from '../lib';
import { consumerOptionsOf, type SubscriberFlags } from './options';

export interface ConsumeFlags extends SubscriberFlags {
  count: number;
  json?: boolean;
}

/** A receipt's position without topic and partition: Pulsar's ledgerId, entryId, batchIndex; Kafka's offset. */
export function positionOf(id: Receipt): Record<string, number | undefined> {
  if (id instanceof RecordMetadata) return { offset: id.offset };
  const { ledgerId, entryId, batchIndex } = id;
  return { ledgerId, entryId, batchIndex };
}

/** A receipt as people read it: `ledgerId:entryId` (Pulsar) or `@offset` (Kafka). */
export function idText(id: Receipt): string {
  return id instanceof RecordMetadata ? `@${id.offset}` : `${id.ledgerId}:${id.entryId}`;
}

/** One received message as a line: JSON, or `key=… value=… properties=…` for people. */
export function formatMessage(m: Message, json: boolean): string {
  // a Kafka key is always bytes, shown as its UTF-8 text (key); Pulsar's bytes keys as base64
  const key = m.keyBytes && !(m.messageId instanceof RecordMetadata) ? m.keyBytes.toString('base64') : m.key;
  const value = m.nullValue ? null : m.value.toString('utf8');
  if (json) {
    return JSON.stringify({
      topic: m.topic,
      partition: m.partition,
      messageId: positionOf(m.messageId),
      key: key ?? null,
      value,
      properties: m.properties,
      publishTime: m.publishTime,
    });
  }
  return `[${m.partition} ${idText(m.messageId)}] key=${key === undefined ? '(none)' : JSON.stringify(key)} value=${JSON.stringify(value)} properties=${JSON.stringify(m.properties)}`;
}

/** cortado consume: follows a topic and prints each message, acknowledging it, until --count messages or Ctrl-C. */
export async function consumeCommand(topic: string, f: ConsumeFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const consumer = new Consumer(consumerOptionsOf(topic, f));
  await consumer.start();
  const stop = () => void consumer.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let n = 0;
  try {
    for await (const m of consumer) {
      out.write(`${formatMessage(m, f.json === true)}\n`);
      consumer.ack(m);
      if (f.count > 0 && ++n >= f.count) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
  }
}

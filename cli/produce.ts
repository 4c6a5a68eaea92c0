import * as readline from 'readline';
import { Producer, type ProducerOptions } from '../lib';
import { idText } from './consume';
import { producerOptionsOf, type ProducerFlags } from './options';

export interface ProduceFlags extends ProducerFlags {
  key?: string;
  message?: string[];
  count: number;
  property?: Record<string, string>;
}

/** cortado produce: the -m values (or stdin lines), each sent --count times; prints where each landed. */
export async function produceCommand(topic: string, f: ProduceFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const producer = new Producer(producerOptionsOf(f) as ProducerOptions);
  await producer.start();
  let sent = 0;
  try {
    const send = async (value: string) => {
      for (let i = 0; i < f.count; i++) {
        const id = await producer.produceSync(topic, f.key ?? null, value, f.property ? { properties: f.property } : undefined);
        out.write(`${id.topic} partition ${id.partition} ${idText(id)}\n`);
        sent++;
      }
    };
    if (f.message && f.message.length > 0) {
      for (const m of f.message) await send(m);
    } else {
      for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) await send(line);
    }
  } finally {
    await producer.close();
  }
  process.stderr.write(`produced ${sent} message(s) to ${topic}\n`);
}

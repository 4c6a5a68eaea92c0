import { expect } from 'chai';
import { Client, Producer, ProducerOptions, RecordMetadata } from '../../lib';
import { ScriptedKafkaBroker, ScriptedKafkaBrokerOptions } from './scripted-kafka-broker';

/**
 * Scripted Kafka peers for one mocha suite: each starts with `topics` unless told otherwise. After
 * each test what is in `open` closes, then every peer stops and must have met no error of its own.
 */
export function scriptedKafkaPeers(
  topics: Record<string, number>,
  open: Array<{ close(): Promise<unknown> }>,
): (opts?: ScriptedKafkaBrokerOptions) => Promise<ScriptedKafkaBroker> {
  const peers: ScriptedKafkaBroker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => undefined)));
    for (const p of peers.splice(0)) {
      await p.stop();
      expect(p.errors).to.deep.equal([]);
    }
  });
  return async (opts = {}) => {
    const p = await ScriptedKafkaBroker.start({ topics, ...opts });
    peers.push(p);
    return p;
  };
}

/** A started Producer of a new Client on `at`, with the short timeouts of a scripted fault; the client joins `open`. */
export async function scriptedKafkaProducer(
  at: ScriptedKafkaBroker,
  open: Array<{ close(): Promise<unknown> }>,
  opts: ProducerOptions,
): Promise<Producer<RecordMetadata>> {
  const client = new Client({ url: at.url, operationTimeoutMs: 2000, connectionTimeoutMs: 1000 }, {});
  open.push(client);
  const p = client.producer<RecordMetadata>({ sendTimeoutMs: 3000, retryBackoffMs: 10, ...opts });
  await p.start();
  return p;
}

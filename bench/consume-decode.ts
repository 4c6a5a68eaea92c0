import { encodeBatch } from '../protocol/pulsar/batch';
import { CompressionType, loadCodec } from '../protocol/compression';
import { decodeFrame, encodePayloadFrame, PayloadSection } from '../protocol/pulsar/frame';
import { BaseCommand, CommandType, encodeMessageMetadata, MessageMetadata } from '../protocol/pulsar/proto';
import { parseConsumerConfig } from '../lib/core/consumer-config';
import { ConsumerContext, PartitionConsumer } from '../lib/pulsar/partition-consumer';
import type { Message } from '../lib/pulsar/received-message';

// npm run bench:consume-decode: client CPU per message of the consumer's entry decoding alone
// (no broker, no socket): crafted MESSAGE frames fed through PartitionConsumer.onMessage.

const SIZE = 1024;
const ROUNDS = 5;

interface Scenario {
  name: string;
  perEntry: number;
  compression?: CompressionType;
}

const SCENARIOS: Scenario[] = [
  { name: 'batched, 100 x 1 KiB per entry', perEntry: 100 },
  { name: 'batched + lz4, 100 x 1 KiB per entry', perEntry: 100, compression: CompressionType.LZ4 },
  { name: 'unbatched, 1 KiB per entry', perEntry: 1 },
];

async function frames(s: Scenario, consumerId: number, entries: number): Promise<Array<[BaseCommand, PayloadSection]>> {
  const value = Buffer.alloc(SIZE, 'x');
  const out: Array<[BaseCommand, PayloadSection]> = [];
  const codec = s.compression ? await loadCodec(s.compression) : undefined;
  for (let e = 0; e < entries; e++) {
    const md: MessageMetadata = { producerName: 'bench', sequenceId: e * s.perEntry, publishTime: Date.now() };
    let payload: Uint8Array = value;
    if (s.perEntry > 1) {
      payload = encodeBatch(
        Array.from({ length: s.perEntry }, (_, i) => ({
          metadata: { payloadSize: SIZE, partitionKey: `k${i}`, sequenceId: e * s.perEntry + i },
          payload: value,
        })),
      );
      md.numMessagesInBatch = s.perEntry;
    } else md.partitionKey = 'k';
    if (codec) {
      md.uncompressedSize = payload.length;
      md.compression = s.compression;
      payload = codec.compress(payload);
    }
    const cmd = { type: CommandType.MESSAGE, message: { consumerId, messageId: { ledgerId: 7, entryId: e } } };
    const [h, p] = encodePayloadFrame(cmd, encodeMessageMetadata(md), payload);
    const bytes = Buffer.concat([h, p]);
    const f = decodeFrame(bytes, 4, bytes.length);
    out.push([f.command, f.payload!]);
  }
  return out;
}

async function measure(s: Scenario): Promise<{ usPerMsg: number; msgPerSec: number }> {
  let delivered = 0;
  let bytes = 0;
  const ctx = {
    config: parseConsumerConfig({ subscription: 'bench' }, {}),
    subType: 0,
    operationTimeoutMs: 30_000,
    deliver: (_pc: PartitionConsumer, ms: Message[]) => {
      delivered += ms.length;
      for (const m of ms) bytes += m.value.length;
    },
    skip: (_pc: PartitionConsumer, reason: string) => {
      throw new Error(reason);
    },
    endOfTopic: () => undefined,
  } as unknown as ConsumerContext;
  const pc = new PartitionConsumer('persistent://public/default/bench', 'bench', 0, ctx);
  const entries = Math.max(1, Math.round(200_000 / s.perEntry));
  const input = await frames(s, pc.consumerId, entries);
  const run = () => {
    for (const [cmd, section] of input) pc.onMessage(cmd, section);
  };
  run(); // warm-up: JIT and codec state
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    delivered = 0;
    const cpu0 = process.cpuUsage();
    run();
    const cpu = process.cpuUsage(cpu0);
    samples.push((cpu.user + cpu.system) / delivered);
  }
  if (bytes === 0) throw new Error('nothing was delivered');
  samples.sort((a, b) => a - b);
  const us = samples[Math.floor(ROUNDS / 2)];
  return { usPerMsg: +us.toFixed(3), msgPerSec: Math.round(1e6 / us) };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; median of ${ROUNDS} rounds, CPU time per delivered message`);
  for (const s of SCENARIOS) {
    const r = await measure(s);
    console.log(`${s.name.padEnd(40)} ${String(r.usPerMsg).padStart(8)} µs/msg ${String(r.msgPerSec).padStart(10)} msg/s of CPU`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

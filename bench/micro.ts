import * as os from 'os';
import { lz4Codec } from '../protocol/compression/lz4';
import { lz4FrameCompress } from '../protocol/kafka/lz4-frame';
import { crc32c, crc32cImplementation, crc32cTypeScript } from '../protocol/crc32c';
import { decodeBatch, encodeBatch, type BatchEntry } from '../protocol/pulsar/batch';
import { sendFrame } from '../protocol/pulsar/commands';
import { encodeMessageMetadata } from '../protocol/pulsar/proto';
import { md5Sum } from '../strategies/md5';
import { median } from './table';

// npm run bench:micro: the hot functions outside the network, one at a time, in this process.
// Each figure is the median of MICRO_REPEATS (default 5) runs of about MICRO_MS (default 300) ms of
// this process's CPU time (rates are per CPU second, so other load on the machine skews them less).

const REPEATS = Number(process.env.MICRO_REPEATS || 5);
const MS = Number(process.env.MICRO_MS || 300);
const only = process.env.MICRO_ONLY;

// this process's CPU seconds: on a shared machine wall time also counts the time others ran
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// calls fn(i) for about MS ms of CPU time and returns calls per CPU second
function rate(fn: (i: number) => unknown): number {
  let n = 0;
  let sink = 0;
  const t0 = cpuSeconds();
  let now = t0;
  while (now - t0 < MS / 1000) {
    for (let k = 0; k < 256; k++) sink ^= Number(fn(n++)) | 0;
    now = cpuSeconds();
  }
  if (sink === 0.5) console.log(sink); // keeps the results alive
  return n / (now - t0);
}

function report(name: string, fn: (i: number) => unknown, unit: (perSec: number) => string): void {
  if (only && !name.includes(only)) return;
  rate(fn); // warm-up
  const r = median(Array.from({ length: REPEATS }, () => rate(fn)));
  console.log(`${name.padEnd(50)} ${unit(r).padStart(16)}   load ${os.loadavg()[0].toFixed(2)}`);
}

const perSec = (label: string) => (r: number) =>
  r >= 1e5 ? `${(r / 1e6).toFixed(2)} M ${label}/s` : `${(r / 1e3).toFixed(1)} k ${label}/s`;
const bytesPerSec = (size: number) => (r: number) => `${((r * size) / 1e9).toFixed(3)} GB/s`;

function pseudoRandom(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

// a 128 KiB batch body as the bench writes it: 1 KiB messages of one repeated byte, each with its metadata
function benchBatch(): Buffer {
  const value = Buffer.alloc(1024, 'x');
  const entries: BatchEntry[] = Array.from({ length: 127 }, (_, i) => ({
    metadata: { payloadSize: value.length, partitionKey: `k${i}`, sequenceId: i },
    payload: value,
  }));
  return encodeBatch(entries);
}

// JSON-like text: compressible the way application payloads usually are
function textLike(n: number): Buffer {
  const words = ['"id":', '"name":"', 'order', 'customer', '"amount":', 'true', 'false', '"items":[', ']', '},{', 'status', 'shipped'];
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[(Math.imul(i, 2654435761) >>> 28) % words.length] + ((i * 7919) % 1000);
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
const uuidKeys = Array.from({ length: 1000 }, (_, i) => `${pseudoRandom(16, i + 7).toString('hex')}`);
report('md5 routing, keys "k0".."k999"', (i) => md5Sum(keys[i % 1000]) % 4, perSec('keys'));
report('md5 routing, 32-char hex keys', (i) => md5Sum(uuidKeys[i % 1000]) % 4, perSec('keys'));

const batch = benchBatch();
const random128 = pseudoRandom(128 << 10);
const text128 = textLike(128 << 10);
for (const [name, data] of [
  ['bench batch', batch],
  ['random', random128],
  ['JSON-like text', text128],
] as const) {
  const ratio = data.length / lz4Codec.compress(data).length;
  report(`lz4 compress 128 KiB ${name} (ratio ${ratio.toFixed(2)})`, () => lz4Codec.compress(data).length, bytesPerSec(data.length));
}
// typical batch sizes of application text: Pulsar compresses a batch as one block, Kafka in 64 KiB frame blocks
for (const size of [64 << 10, 1 << 20]) {
  const text = textLike(size);
  const label = size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`;
  const ratio = text.length / lz4Codec.compress(text).length;
  report(`lz4 compress ${label} JSON-like text (ratio ${ratio.toFixed(2)})`, () => lz4Codec.compress(text).length, bytesPerSec(size));
  report(`lz4 frame (Kafka) compress ${label} JSON-like text`, () => lz4FrameCompress(text).length, bytesPerSec(size));
}
for (const [name, data] of [
  ['bench batch', batch],
  ['JSON-like text', text128],
] as const) {
  const compressed = lz4Codec.compress(data);
  report(`lz4 decompress 128 KiB ${name}`, () => lz4Codec.decompress(compressed, data.length).length, bytesPerSec(data.length));
}

const kib = random128.subarray(0, 1024);
report(`crc32c 1 KiB (${crc32cImplementation})`, () => crc32c(kib), bytesPerSec(1024));
report(`crc32c 128 KiB (${crc32cImplementation})`, () => crc32c(random128), bytesPerSec(random128.length));
report('crc32c 1 KiB (typescript)', () => crc32cTypeScript(kib), bytesPerSec(1024));
report('crc32c 128 KiB (typescript)', () => crc32cTypeScript(random128), bytesPerSec(random128.length));

const metadata = encodeMessageMetadata({
  producerName: 'standalone-0-42',
  sequenceId: 12345,
  publishTime: Date.now(),
  partitionKey: 'k42',
  uncompressedSize: 1024,
});
const payload = Buffer.alloc(1024, 'x');
report(
  'sendFrame, 1 KiB payload (unbatched send)',
  (i) => sendFrame({ producerId: 3, sequenceId: i }, metadata, payload)[0].length,
  perSec('frames'),
);
report(
  'sendFrame, 128 KiB payload (batch send)',
  (i) => sendFrame({ producerId: 3, sequenceId: i, numMessages: 127, highestSequenceId: i + 126 }, metadata, batch)[0].length,
  perSec('frames'),
);
const entries: BatchEntry[] = Array.from({ length: 127 }, (_, i) => ({
  metadata: { payloadSize: 1024, partitionKey: keys[i], sequenceId: i },
  payload,
}));
report('encodeBatch, 127 x 1 KiB', () => encodeBatch(entries).length, perSec('batches'));
report('decodeBatch, 127 x 1 KiB', () => decodeBatch(batch, 127).length, perSec('batches'));

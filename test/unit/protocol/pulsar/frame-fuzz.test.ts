import { expect } from 'chai';
import fc from 'fast-check';
import { decodeBatch, encodeBatch } from '../../../../protocol/pulsar/batch';
import { connectFrame, sendFrame } from '../../../../protocol/pulsar/commands';
import { decodeFrame, FrameDecoder, FrameError } from '../../../../protocol/pulsar/frame';
import {
  BaseCommand,
  subCommandField,
  CommandType,
  decodeBaseCommand,
  decodeMessageMetadata,
  decodeSingleMessageMetadata,
  encodeMessageMetadata,
  ServerError,
} from '../../../../protocol/pulsar/proto';
import { brokerFrames, commandFrame, payloadFrame } from '../../../support/scripted-frames';

// Fixed so a failure replays; fast-check prints the seed and path of a failing run. FUZZ_SEED overrides it.
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = { numRuns: 2000, seed: SEED };

const metadata = encodeMessageMetadata({
  producerName: 'p',
  sequenceId: 7,
  publishTime: 1_700_000_000_000,
  partitionKey: 'k',
  properties: [{ key: 'a', value: 'b' }],
  numMessagesInBatch: 2,
});
const batch = encodeBatch([
  { metadata: { payloadSize: 2, partitionKey: 'x', sequenceId: 7 }, payload: Buffer.from('b0') },
  { metadata: { payloadSize: 3, properties: [{ key: 'p', value: 'q' }], sequenceId: 8 }, payload: Buffer.from('b11') },
]);

// Valid frames of every shape the decoder meets, from both sides of a connection.
const CORPUS: Buffer[] = [
  brokerFrames.connected(5 * 1024 * 1024),
  brokerFrames.ping(),
  brokerFrames.sendReceipt(1, 7, 3, 9, 8),
  brokerFrames.sendError(1, 7, ServerError.PersistenceError, 'disk'),
  brokerFrames.closeProducer(1, 2, 'pulsar://b:6650'),
  brokerFrames.error(4, ServerError.TopicNotFound, 'gone'),
  commandFrame(CommandType.PRODUCER_SUCCESS, {
    requestId: 1,
    producerName: 'p',
    lastSequenceId: 5,
    schemaVersion: Buffer.from([0, 1]),
    topicEpoch: 2,
  }),
  commandFrame(CommandType.LOOKUP_RESPONSE, { requestId: 3, response: 1, brokerServiceUrl: 'pulsar://b:6650', authoritative: true }),
  commandFrame(CommandType.PARTITIONED_METADATA_RESPONSE, { requestId: 2, partitions: 4 }),
  payloadFrame(CommandType.MESSAGE, { consumerId: 1, messageId: { ledgerId: 1, entryId: 2 }, redeliveryCount: 1 }, metadata, batch),
  connectFrame({ clientVersion: 'cortado', authMethodName: 'token', authData: Buffer.from('t') }),
  Buffer.concat(sendFrame({ producerId: 1, sequenceId: 7, numMessages: 2, highestSequenceId: 8 }, metadata, batch)),
];

/** Runs `fn`; the decoder's FrameError counts as a clean refusal, anything else fails the property. */
function refusesCleanly(fn: () => void): boolean {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return true;
    throw err;
  }
  return true;
}

/** Everything a reader decodes from a frame: the frame, then its metadata and batch. */
function decodeAll(frames: ReturnType<FrameDecoder['push']>): void {
  for (const f of frames) {
    const cmd: BaseCommand = f.command;
    // the decoder promises the sub-command of a known type is there (PING/PONG may omit theirs)
    const field = subCommandField(cmd.type)!;
    if (CommandType[cmd.type] !== undefined && cmd.type !== CommandType.PING && cmd.type !== CommandType.PONG) {
      expect((cmd as unknown as Record<string, unknown>)[field], `${CommandType[cmd.type]} without ${field}`).to.not.equal(null);
    }
    if (!f.payload) continue;
    const md = decodeMessageMetadata(f.payload.metadata);
    if (md.numMessagesInBatch) decodeBatch(f.payload.payload, Math.min(md.numMessagesInBatch, 1000));
  }
}

/** Feeds `bytes` to a fresh decoder cut at `cuts`. */
function feed(bytes: Buffer, cuts: number[], decoder = new FrameDecoder()): void {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  for (const p of [...points, bytes.length]) {
    decodeAll(decoder.push(bytes.subarray(at, p)));
    at = p;
  }
}

const edit = fc.record({
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
  op: fc.constantFrom('set', 'xor', 'insert', 'delete'),
});

function mutate(frame: Buffer, edits: Array<{ at: number; value: number; op: string }>, truncate: number | null, fixSize: boolean): Buffer {
  const bytes = [...frame];
  for (const e of edits) {
    const i = e.at % (bytes.length + 1);
    if (e.op === 'set' && i < bytes.length) bytes[i] = e.value;
    else if (e.op === 'xor' && i < bytes.length) bytes[i] ^= e.value || 1;
    else if (e.op === 'insert') bytes.splice(i, 0, e.value);
    else if (e.op === 'delete') bytes.splice(i, 1);
  }
  let out = Buffer.from(bytes);
  if (truncate !== null) out = out.subarray(0, truncate % (out.length + 1));
  // most runs keep the size field honest so the bytes behind it get decoded, not just waited for
  if (fixSize && out.length >= 4) out.writeUInt32BE(out.length - 4, 0);
  return out;
}

describe('defect 14: untyped decoder errors (fuzzing protocol/frame and command decoding)', () => {
  it('mutated valid frames decode or throw FrameError, nothing else', () => {
    const outcome = { decoded: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.nat({ max: CORPUS.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { freq: 4 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 3 }),
        (which, edits, truncate, fixSize, cuts) => {
          const bytes = mutate(CORPUS[which], edits, truncate, fixSize || edits.length > 1);
          try {
            feed(bytes, cuts);
            outcome.decoded++;
          } catch (err) {
            if (!(err instanceof FrameError)) throw err;
            outcome.refused++;
          }
        },
      ),
      RUNS,
    );
    // both paths were exercised, so the property says something about each
    expect(outcome.decoded).to.be.greaterThan(100);
    expect(outcome.refused).to.be.greaterThan(100);
  });

  it('random bytes fed in random pieces decode or throw FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), (raw, fixSize, cuts) => {
        const bytes = Buffer.from(raw);
        if (fixSize && bytes.length >= 8) {
          bytes.writeUInt32BE(bytes.length - 4, 0);
          bytes.writeUInt32BE(Math.min(bytes.readUInt32BE(4), bytes.length - 8), 4);
        }
        return refusesCleanly(() => feed(bytes, cuts));
      }),
      RUNS,
    );
  });

  it('command, metadata and batch decoders throw only FrameError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 5000 }), (raw, count) => {
        refusesCleanly(() => decodeBaseCommand(raw));
        refusesCleanly(() => decodeMessageMetadata(raw));
        refusesCleanly(() => decodeSingleMessageMetadata(raw));
        refusesCleanly(() => decodeBatch(raw, count));
        return refusesCleanly(() => decodeFrame(Buffer.from(raw), 0, raw.length));
      }),
      RUNS,
    );
  });

  it('keeps the protobuf library error as the cause', () => {
    const e = (() => {
      try {
        decodeBaseCommand(Buffer.from([0x0a]));
      } catch (x) {
        return x as FrameError;
      }
    })();
    expect(e).to.be.instanceOf(FrameError);
    expect(e!.reason).to.equal('malformed');
    expect(e!.cause).to.be.instanceOf(Error);
    expect(e!.message).to.include('command does not decode');
  });

  it('refuses a known command without its sub-command and one without a type', () => {
    expect(() => decodeBaseCommand(Buffer.from([0x08, CommandType.CONNECTED]))).to.throw(
      FrameError,
      /CONNECTED command carries no connected/,
    );
    expect(() => decodeBaseCommand(Buffer.alloc(0))).to.throw(FrameError, /no type/);
    // a type this client does not know (a newer broker's command) still decodes
    expect(decodeBaseCommand(Buffer.from([0x08, 0x7f])).type).to.equal(127);
  });

  it('never allocates more than it was given, whatever the size fields claim', () => {
    const names = ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;
    const saved = names.map((n) => Buffer[n]);
    let largest = 0;
    names.forEach((n, i) => {
      (Buffer as unknown as Record<string, unknown>)[n] = (size: number, ...rest: unknown[]) => {
        largest = Math.max(largest, size);
        return (saved[i] as (...a: unknown[]) => Buffer)(size, ...rest);
      };
    });
    try {
      fc.assert(
        fc.property(
          fc.nat({ max: 0xffffffff }),
          fc.nat({ max: 0xffffffff }),
          fc.uint8Array({ maxLength: 64 }),
          fc.array(fc.nat(), { maxLength: 4 }),
          (total, cmdSize, body, cuts) => {
            const head = Buffer.alloc(8);
            head.writeUInt32BE(total, 0);
            head.writeUInt32BE(cmdSize, 4);
            const bytes = Buffer.concat([head, body]);
            const decoder = new FrameDecoder();
            const points = [...new Set(cuts.map((c) => c % (bytes.length + 1))), bytes.length].sort((a, b) => a - b);
            let at = 0;
            for (const p of points) {
              largest = 0;
              refusesCleanly(() => void decoder.push(bytes.subarray(at, p)));
              at = p;
              expect(largest, `allocated ${largest} bytes after receiving ${p}`).to.be.at.most(p);
            }
          },
        ),
        RUNS,
      );
    } finally {
      names.forEach((n, i) => ((Buffer as unknown as Record<string, unknown>)[n] = saved[i]));
    }
  });
});

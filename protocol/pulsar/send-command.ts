import { isInt32Varint, isVarint, varintSize, writeVarint } from './protobuf-writer';

// BaseCommand { type = SEND (field 1), send (field 6) } written by hand: it precedes every
// message, and protobufjs would build a Writer and an intermediate array for it each time.
// CommandSend: producer_id = 1, sequence_id = 2, num_messages = 3, highest_sequence_id = 6, is_chunk = 7.

export interface SendArgs {
  producerId: number;
  sequenceId: number;
  /** only for batches; absent means one message */
  numMessages?: number;
  highestSequenceId?: number;
  isChunk?: boolean;
}

/** Whether every field fits the hand encoder (non-negative integers, num_messages an int32); others go through protobufjs. */
export function handEncodable(a: SendArgs): boolean {
  return (
    isVarint(a.producerId) &&
    isVarint(a.sequenceId) &&
    (a.numMessages == null || isInt32Varint(a.numMessages)) &&
    (a.highestSequenceId == null || isVarint(a.highestSequenceId))
  );
}

function sendSize(a: SendArgs): number {
  let n = 1 + varintSize(a.producerId) + 1 + varintSize(a.sequenceId);
  if (a.numMessages != null) n += 1 + varintSize(a.numMessages);
  if (a.highestSequenceId != null) n += 1 + varintSize(a.highestSequenceId);
  if (a.isChunk != null) n += 2;
  return n;
}

/** Encoded size of the BaseCommand carrying this SEND. */
export function sendCommandSize(a: SendArgs): number {
  const inner = sendSize(a);
  return 2 + 1 + varintSize(inner) + inner;
}

/** Writes the BaseCommand carrying this SEND at o, byte for byte as protobufjs would; returns the next offset. */
export function writeSendCommand(buf: Uint8Array, o: number, a: SendArgs): number {
  buf[o++] = 0x08; // type, varint
  buf[o++] = 6; // SEND
  buf[o++] = 0x32; // send, length-delimited
  o = writeVarint(buf, o, sendSize(a));
  buf[o++] = 0x08;
  o = writeVarint(buf, o, a.producerId);
  buf[o++] = 0x10;
  o = writeVarint(buf, o, a.sequenceId);
  if (a.numMessages != null) {
    buf[o++] = 0x18;
    o = writeVarint(buf, o, a.numMessages);
  }
  if (a.highestSequenceId != null) {
    buf[o++] = 0x30;
    o = writeVarint(buf, o, a.highestSequenceId);
  }
  if (a.isChunk != null) {
    buf[o++] = 0x38;
    buf[o++] = a.isChunk ? 1 : 0;
  }
  return o;
}

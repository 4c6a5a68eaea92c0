import { crc32c } from '../crc32c';
import { FrameError } from './frame-error';
import { BaseCommand, BaseCommandInit, decodeBaseCommand, encodeBaseCommand } from './proto';

export const MAGIC_CRC32C = 0x0e01;
export const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;
/** The broker's default max_message_size, in force until CONNECTED says otherwise. */
export const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
/** Room for the command and metadata around a max-size payload (the Java client's padding). */
export const FRAME_PADDING = 10 * 1024;

export { FrameError };

// Simple command: [totalSize u32][commandSize u32][BaseCommand]
export function encodeCommandFrame(cmd: BaseCommandInit): Buffer {
  const body = encodeBaseCommand(cmd);
  const frame = Buffer.allocUnsafe(8 + body.length);
  frame.writeUInt32BE(4 + body.length, 0);
  frame.writeUInt32BE(body.length, 4);
  frame.set(body, 8);
  return frame;
}

/**
 * Payload command, returned as [header, payload] so the payload bytes are never copied:
 * [totalSize u32][commandSize u32][BaseCommand][0x0e01 u16][crc32c u32][metadataSize u32][MessageMetadata] ++ payload.
 * The CRC-32C covers metadataSize + metadata + payload.
 */
export function encodePayloadFrame(cmd: BaseCommandInit, metadata: Uint8Array, payload: Uint8Array): [Buffer, Uint8Array] {
  const body = encodeBaseCommand(cmd);
  const header = payloadFrameHeader(body.length, metadata, payload);
  header.set(body, 8);
  return [header, payload];
}

/**
 * The header of a payload frame (see encodePayloadFrame) whose command of `commandSize` bytes the
 * caller writes at offset 8; sizes, magic, metadata and checksum are filled in.
 */
export function payloadFrameHeader(commandSize: number, metadata: Uint8Array, payload: Uint8Array): Buffer {
  const metaSizeAt = 8 + commandSize + 2 + 4;
  const headerSize = metaSizeAt + 4 + metadata.length;
  const header = Buffer.allocUnsafe(headerSize);
  header.writeUInt32BE(headerSize - 4 + payload.length, 0);
  header.writeUInt32BE(commandSize, 4);
  header.writeUInt16BE(MAGIC_CRC32C, metaSizeAt - 6);
  header.writeUInt32BE(metadata.length, metaSizeAt);
  header.set(metadata, metaSizeAt + 4);
  const crc = crc32c(payload, 0, payload.length, crc32c(header, metaSizeAt, headerSize));
  header.writeUInt32BE(crc, metaSizeAt - 4);
  return header;
}

/**
 * Recomputes the CRC-32C of a payload frame made by encodePayloadFrame and compares it with the
 * one it carries: false when the payload bytes changed after the frame was built.
 */
export function payloadFrameIntact(header: Buffer, payload: Uint8Array): boolean {
  const cmdSize = header.readUInt32BE(4);
  const crcAt = 8 + cmdSize + 2;
  if (header.readUInt16BE(crcAt - 2) !== MAGIC_CRC32C) return true;
  const crc = crc32c(payload, 0, payload.length, crc32c(header, crcAt + 4, header.length));
  return crc === header.readUInt32BE(crcAt);
}

/** A payload command's parts as read off the wire; views into the received bytes. */
export interface PayloadSection {
  brokerEntryMetadata?: Uint8Array;
  /** false when the frame carried no checksum (old brokers) */
  hasChecksum: boolean;
  checksumOk: boolean;
  metadata: Uint8Array;
  payload: Uint8Array;
}

export interface Frame {
  command: BaseCommand;
  payload?: PayloadSection;
}

/** Splits the bytes after a command into broker entry metadata, metadata and payload. */
export function parsePayloadSection(buf: Buffer, start: number, end: number): PayloadSection {
  let o = start;
  let brokerEntryMetadata: Uint8Array | undefined;
  if (end - o >= 6 && buf.readUInt16BE(o) === MAGIC_BROKER_ENTRY_METADATA) {
    const size = buf.readUInt32BE(o + 2);
    if (o + 6 + size > end) throw new FrameError('broker entry metadata overruns the frame', 'malformed');
    brokerEntryMetadata = buf.subarray(o + 6, o + 6 + size);
    o += 6 + size;
  }
  let hasChecksum = false;
  let checksumOk = true;
  if (end - o >= 6 && buf.readUInt16BE(o) === MAGIC_CRC32C) {
    hasChecksum = true;
    const expected = buf.readUInt32BE(o + 2);
    o += 6;
    checksumOk = crc32c(buf, o, end) === expected;
  }
  if (end - o < 4) throw new FrameError('payload section has no metadata size', 'malformed');
  const metaSize = buf.readUInt32BE(o);
  if (o + 4 + metaSize > end) throw new FrameError('metadata overruns the frame', 'malformed');
  return {
    brokerEntryMetadata,
    hasChecksum,
    checksumOk,
    metadata: buf.subarray(o + 4, o + 4 + metaSize),
    payload: buf.subarray(o + 4 + metaSize, end),
  };
}

/** Decodes one whole frame (without its 4-byte total size prefix). */
export function decodeFrame(buf: Buffer, start: number, end: number): Frame {
  if (end - start < 4) throw new FrameError('frame shorter than its command size field', 'malformed');
  const cmdSize = buf.readUInt32BE(start);
  const cmdEnd = start + 4 + cmdSize;
  if (cmdEnd > end) throw new FrameError(`command size ${cmdSize} overruns the frame`, 'malformed');
  const command = decodeBaseCommand(buf.subarray(start + 4, cmdEnd));
  if (cmdEnd === end) return { command };
  return { command, payload: parsePayloadSection(buf, cmdEnd, end) };
}

/**
 * Streaming decoder: feed it socket chunks; it emits whole frames, handling frames split across
 * reads and several frames in one read, and refusing a size over the limit before buffering it.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(public maxFrameSize: number = DEFAULT_MAX_MESSAGE_SIZE + FRAME_PADDING) {}

  /** Appends bytes and returns the frames completed by them. Throws FrameError on a bad size. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= 4) {
      const total = this.peekSize();
      if (total > this.maxFrameSize) {
        throw new FrameError(`frame of ${total} bytes exceeds the limit of ${this.maxFrameSize}`, 'too-large');
      }
      if (this.buffered < 4 + total) break;
      const buf = this.take(4 + total);
      frames.push(decodeFrame(buf, 4, 4 + total));
    }
    return frames;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.buffered, 8));
    return head.readUInt32BE(0);
  }

  // Returns exactly n bytes from the front, copying only when they span several chunks.
  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const want = n - filled;
        if (c.length <= want) {
          out.set(c, filled);
          filled += c.length;
          this.chunks.shift();
        } else {
          out.set(c.subarray(0, want), filled);
          this.chunks[0] = c.subarray(want);
          filled += want;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}

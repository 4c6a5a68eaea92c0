import type { MessageIdData, MessageMetadata } from '../../protocol/pulsar/proto';

interface Pending {
  uuid: string;
  chunks: Uint8Array[];
  ids: MessageIdData[];
  bytes: number;
  total: number;
  startedAt: number;
}

export type ChunkOutcome =
  | { kind: 'partial' }
  | { kind: 'complete'; payload: Uint8Array; ids: MessageIdData[] }
  /** chunks that can never make a whole message: the caller acknowledges and reports them */
  | { kind: 'dropped'; uuid: string; ids: MessageIdData[]; reason: string };

export interface ChunkLimits {
  maxPendingMessages: number;
  maxPendingBytes: number;
  expireMs: number;
}

/** Reassembles chunked messages, bounded in how many and how many bytes wait at once. */
export class ChunkAssembler {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;

  constructor(private readonly limits: ChunkLimits) {}

  /** Adds one chunk; returns the whole message when its last chunk arrives. */
  add(md: MessageMetadata, id: MessageIdData, data: Uint8Array, now = Date.now()): ChunkOutcome[] {
    const out: ChunkOutcome[] = this.expire(now);
    const uuid = md.uuid ?? '';
    const chunkId = md.chunkId ?? 0;
    const count = md.numChunksFromMsg ?? 1;
    let p = this.pending.get(uuid);
    if (!p) {
      if (chunkId !== 0) {
        out.push({ kind: 'dropped', uuid, ids: [id], reason: `chunk ${chunkId} of ${uuid} arrived without chunk 0` });
        return out;
      }
      p = { uuid, chunks: [], ids: [], bytes: 0, total: md.totalChunkMsgSize ?? 0, startedAt: now };
      this.pending.set(uuid, p);
      while (this.pending.size > this.limits.maxPendingMessages) out.push(this.dropOldest('too many chunked messages pending'));
    } else if (chunkId !== p.chunks.length) {
      if (chunkId < p.chunks.length) {
        // a redelivered chunk we already hold: acknowledge the copy, keep assembling
        out.push({ kind: 'dropped', uuid, ids: [id], reason: `duplicate chunk ${chunkId} of ${uuid}` });
        return out;
      }
      out.push(this.drop(p, `chunk ${p.chunks.length} of ${uuid} is missing (got ${chunkId})`, id));
      return out;
    }
    p.chunks.push(data);
    p.ids.push(id);
    p.bytes += data.length;
    this.bytes += data.length;
    while (this.bytes > this.limits.maxPendingBytes && this.pending.size > 1) {
      out.push(this.dropOldest('pending chunked messages exceed their memory bound'));
    }
    if (p.chunks.length === count) {
      this.pending.delete(uuid);
      this.bytes -= p.bytes;
      const payload = p.chunks.length === 1 ? p.chunks[0] : Buffer.concat(p.chunks);
      if (p.total && payload.length !== p.total) {
        out.push({ kind: 'dropped', uuid, ids: p.ids, reason: `chunked message ${uuid} is ${payload.length} bytes, expected ${p.total}` });
      } else out.push({ kind: 'complete', payload, ids: p.ids });
    }
    return out;
  }

  /** Drops messages whose chunks stopped coming. */
  expire(now = Date.now()): ChunkOutcome[] {
    const out: ChunkOutcome[] = [];
    for (const p of this.pending.values()) {
      if (now - p.startedAt >= this.limits.expireMs)
        out.push(this.drop(p, `chunked message ${p.uuid} did not complete within ${this.limits.expireMs} ms`));
    }
    return out;
  }

  private dropOldest(reason: string): ChunkOutcome {
    const oldest = this.pending.values().next().value as Pending;
    return this.drop(oldest, `${reason}; dropped ${oldest.uuid}`);
  }

  private drop(p: Pending, reason: string, extra?: MessageIdData): ChunkOutcome {
    this.pending.delete(p.uuid);
    this.bytes -= p.bytes;
    return { kind: 'dropped', uuid: p.uuid, ids: extra ? [...p.ids, extra] : p.ids, reason };
  }

  /** When the oldest pending message expires; undefined when none is pending. */
  get nextExpiryAt(): number | undefined {
    const oldest = this.pending.values().next().value as Pending | undefined;
    return oldest ? oldest.startedAt + this.limits.expireMs : undefined;
  }

  get pendingMessages(): number {
    return this.pending.size;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.pending.clear();
    this.bytes = 0;
  }
}

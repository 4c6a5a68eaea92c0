import type { OutgoingMessage } from '../core/message';

export interface BatchLimits {
  maxMessages: number;
  maxBytes: number;
}

/** Collects messages for one batch until a limit is reached; the default builder keeps arrival order. */
export class BatchContainer {
  protected messages: OutgoingMessage[] = [];
  protected bytes = 0;

  constructor(protected readonly limits: BatchLimits) {}

  get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** The messages waiting here, in arrival order (read only). */
  peek(): readonly OutgoingMessage[] {
    return this.messages;
  }

  /** Whether a message still waits here for its outcome. */
  hasUnsettled(): boolean {
    return this.messages.some((m) => !m.settled);
  }

  /** Whether adding a message of this size would overrun the byte limit. */
  wouldOverflow(size: number): boolean {
    return this.messages.length > 0 && this.bytes + size > this.limits.maxBytes;
  }

  /** Adds a message; true when the batch is now full and must be flushed. */
  add(msg: OutgoingMessage): boolean {
    this.messages.push(msg);
    this.bytes += msg.payload.length;
    return this.messages.length >= this.limits.maxMessages || this.bytes >= this.limits.maxBytes;
  }

  /** The batches to send now, each in send order, and an empty container. */
  drain(): OutgoingMessage[][] {
    const out = this.messages;
    this.messages = [];
    this.bytes = 0;
    return out.length > 0 ? [out] : [];
  }
}

/** Groups messages by key into one batch per key, so Key_Shared consumers get whole batches of one key. */
export class KeyBasedBatchContainer extends BatchContainer {
  override drain(): OutgoingMessage[][] {
    const byKey = new Map<string, OutgoingMessage[]>();
    for (const m of this.messages) {
      const k = m.orderingKey ? `o:${Buffer.from(m.orderingKey).toString('base64')}` : `p:${m.partitionKey ?? ''}`;
      const group = byKey.get(k);
      if (group) group.push(m);
      else byKey.set(k, [m]);
    }
    this.messages = [];
    this.bytes = 0;
    return [...byKey.values()];
  }
}

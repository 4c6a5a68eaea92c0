import { CommandType, MessageIdData } from '../../protocol/pulsar/proto';
import { payloadFrame } from './scripted-frames';

/** One stored entry: a message, a batch or one chunk, exactly as it will go out in MESSAGE. */
export interface StoredEntry {
  ledgerId: number;
  entryId: number;
  metadata: Uint8Array;
  payload: Uint8Array;
  /** messages in the entry (a batch's count): what it costs in permits */
  messages: number;
  /** flip a byte after the checksum so the client sees a CRC-32C mismatch */
  corrupt: boolean;
}

/** The socket side a consumer record writes to. */
export interface FrameSink {
  readonly id: number;
  readonly closed: boolean;
  write(...bytes: Uint8Array[]): void;
}

/** A consumer as the peer knows it after SUBSCRIBE. */
export interface ConsumerRecord {
  id: number;
  topic: string;
  subscription: string;
  subType: number;
  conn: FrameSink;
  /** FLOW permits not used yet; a batch uses as many as it holds (it may go negative, as on a broker) */
  permits: number;
  /** consumer_epoch from SUBSCRIBE or the last REDELIVER; MESSAGE frames carry it when set */
  epoch?: number;
  closed: boolean;
}

const idKey = (id: { ledgerId: number; entryId: number }) => `${id.ledgerId}:${id.entryId}`;

/** A subscription's cursor: entries to dispatch, entries dispatched and not acknowledged. */
export class Subscription {
  readonly pending: StoredEntry[] = [];
  readonly unacked = new Map<string, { entry: StoredEntry; consumer: ConsumerRecord }>();
  readonly consumers: ConsumerRecord[] = [];
  private readonly redeliveries = new Map<string, number>();
  private turn = 0;

  constructor(readonly name: string) {}

  /** Hands pending entries to consumers with permits, round robin, one write per consumer. */
  dispatch(): void {
    const out = new Map<ConsumerRecord, Buffer[]>();
    while (this.pending.length > 0) {
      const c = this.nextWithPermits();
      if (!c) break;
      const entry = this.pending.shift()!;
      this.unacked.set(idKey(entry), { entry, consumer: c });
      c.permits -= entry.messages;
      const fields: Record<string, unknown> = {
        consumerId: c.id,
        messageId: { ledgerId: entry.ledgerId, entryId: entry.entryId },
        redeliveryCount: this.redeliveries.get(idKey(entry)) ?? 0,
      };
      if (c.epoch !== undefined) fields.consumerEpoch = c.epoch;
      const frames = out.get(c) ?? [];
      frames.push(payloadFrame(CommandType.MESSAGE, fields, entry.metadata, entry.payload, entry.corrupt));
      out.set(c, frames);
    }
    for (const [c, frames] of out) c.conn.write(...frames);
  }

  private nextWithPermits(): ConsumerRecord | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const c = this.consumers[(this.turn + i) % this.consumers.length];
      if (c.permits > 0 && !c.closed && !c.conn.closed) {
        this.turn = (this.turn + i + 1) % this.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  /** The consumer left (closed, or its connection dropped): what it held goes back to the front. */
  detach(c: ConsumerRecord): void {
    c.closed = true;
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
    this.giveBack(c, undefined, false);
  }

  /** REDELIVER_UNACKNOWLEDGED_MESSAGES: the listed entries (or all the consumer holds) go again. */
  redeliver(c: ConsumerRecord, ids: MessageIdData[]): void {
    this.giveBack(c, ids.length ? new Set(ids.map(idKey)) : undefined, true);
  }

  private giveBack(c: ConsumerRecord, only: Set<string> | undefined, count: boolean): void {
    const back: StoredEntry[] = [];
    for (const [k, u] of this.unacked) {
      if (u.consumer !== c || (only && !only.has(k))) continue;
      this.unacked.delete(k);
      back.push(u.entry);
      if (count) this.redeliveries.set(k, (this.redeliveries.get(k) ?? 0) + 1);
    }
    this.pending.unshift(...back);
    this.pending.sort((a, b) => a.ledgerId - b.ledgerId || a.entryId - b.entryId);
  }

  /** Individual acks remove the listed entries; a cumulative ack removes everything up to its id. */
  ack(ids: MessageIdData[], cumulative: boolean): void {
    for (const id of ids) {
      if (!cumulative) {
        this.unacked.delete(idKey(id));
        // an entry waiting for redelivery that gets acknowledged is not sent again, as on a broker
        const at = this.pending.findIndex((e) => idKey(e) === idKey(id));
        if (at >= 0) this.pending.splice(at, 1);
        continue;
      }
      const upTo = (e: StoredEntry) => e.ledgerId < id.ledgerId || (e.ledgerId === id.ledgerId && e.entryId <= id.entryId);
      for (const [k, u] of this.unacked) if (upTo(u.entry)) this.unacked.delete(k);
      const keep = this.pending.filter((e) => !upTo(e));
      this.pending.splice(0, this.pending.length, ...keep);
    }
  }
}

/** A topic's entries (one ledger) and its subscriptions. */
export class ScriptedTopic {
  readonly entries: StoredEntry[] = [];
  readonly subscriptions = new Map<string, Subscription>();

  constructor(
    readonly name: string,
    readonly ledgerId: number,
  ) {}

  append(metadata: Uint8Array, payload: Uint8Array, messages = 1, corrupt = false): StoredEntry {
    const entry: StoredEntry = { ledgerId: this.ledgerId, entryId: this.entries.length, metadata, payload, messages, corrupt };
    this.entries.push(entry);
    for (const sub of this.subscriptions.values()) {
      sub.pending.push(entry);
      sub.dispatch();
    }
    return entry;
  }

  /** The named subscription; a new one starts at the earliest entry or after the last. */
  subscription(name: string, earliest: boolean): Subscription {
    let sub = this.subscriptions.get(name);
    if (!sub) {
      sub = new Subscription(name);
      if (earliest) sub.pending.push(...this.entries);
      this.subscriptions.set(name, sub);
    }
    return sub;
  }
}

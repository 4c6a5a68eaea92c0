// Counters behind producer.stats() and consumer.stats() (the Java client's getStats): plain
// numbers bumped on the send and receive paths, and a fixed log-scale latency histogram, so
// counting allocates nothing per message.

import type { Receipt } from './receipt';
import type { Message } from './received-message';

/** Latency percentiles over the last interval, ms (0 when nothing settled in it). */
export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  /** sends measured in the window */
  count: number;
}

/** One producer partition's counters (totals since start; latency over the last interval). */
export interface ProducerPartitionStats {
  topic: string;
  partition: number;
  /** acknowledged by the broker */
  messagesSent: number;
  bytesSent: number;
  sendFailed: number;
  /** handed over and not yet settled */
  pending: number;
  sendLatencyMs: LatencyStats;
}

export interface ProducerStats extends Omit<ProducerPartitionStats, 'topic' | 'partition'> {
  partitions: ProducerPartitionStats[];
}

/** One consumer partition's counters (totals since start). */
export interface ConsumerPartitionStats {
  topic: string;
  partition: number;
  messagesReceived: number;
  bytesReceived: number;
  acks: number;
  nacks: number;
  /** messages that arrived with a redelivery count above 0 */
  redeliveries: number;
  /** received and neither acknowledged nor nacked yet */
  pending: number;
}

export interface ConsumerStats extends Omit<ConsumerPartitionStats, 'topic' | 'partition'> {
  partitions: ConsumerPartitionStats[];
}

/** Latency percentiles cover between one and two of these (the Java client's statsInterval default). */
export const STATS_INTERVAL_MS = 60_000;

// 8 buckets per power of two of µs (the top 3 bits after the leading one): steps of 12.5 %, from
// 1 µs to 35 minutes, found with clz32 (a third of the cost of Math.log2)
const BUCKETS = 240;
const MAX_US = 0x7fffffff;

function bucketOf(us: number): number {
  if (us < 8) return us;
  const e = 31 - Math.clz32(us);
  return ((e - 2) << 3) | ((us >>> (e - 3)) & 7);
}

/** The largest latency (ms) bucket i holds. */
function bucketTop(i: number): number {
  if (i < 8) return (i + 1) / 1000;
  return ((9 + (i & 7)) * 2 ** ((i >> 3) - 1)) / 1000;
}

/** A latency histogram of the current and the previous interval, rotated when one is over. */
export class LatencyHistogram {
  private current = new Uint32Array(BUCKETS);
  private previous = new Uint32Array(BUCKETS);
  private intervalStart: number;
  private currentMax = 0;
  private previousMax = 0;

  constructor(now: number) {
    this.intervalStart = now;
  }

  record(now: number, ms: number): void {
    if (now - this.intervalStart >= STATS_INTERVAL_MS) this.rotate(now);
    const us = ms <= 0 ? 0 : ms >= MAX_US / 1000 ? MAX_US : (ms * 1000) | 0;
    this.current[bucketOf(us)]++;
    if (ms > this.currentMax) this.currentMax = ms;
  }

  private rotate(now: number): void {
    // more than two intervals without a send: nothing of the previous one is recent
    const stale = now - this.intervalStart >= 2 * STATS_INTERVAL_MS;
    [this.previous, this.current] = [this.current, this.previous];
    this.current.fill(0);
    if (stale) this.previous.fill(0);
    this.previousMax = stale ? 0 : this.currentMax;
    this.currentMax = 0;
    this.intervalStart = now;
  }

  /** Adds this histogram's window into `into` (for totals over partitions); returns its max. */
  addTo(now: number, into: Uint32Array): number {
    if (now - this.intervalStart >= STATS_INTERVAL_MS) this.rotate(now);
    for (let i = 0; i < BUCKETS; i++) into[i] += this.current[i] + this.previous[i];
    return Math.max(this.currentMax, this.previousMax);
  }

  snapshot(now: number): LatencyStats {
    const counts = new Uint32Array(BUCKETS);
    return summarize(counts, this.addTo(now, counts));
  }
}

/** p50/p99 of a window (bucket upper bounds, never above the window's max). */
export function summarize(counts: Uint32Array, max: number): LatencyStats {
  let count = 0;
  for (let i = 0; i < BUCKETS; i++) count += counts[i];
  const at = (q: number): number => {
    if (count === 0) return 0;
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) return Math.min(max, bucketTop(i));
    }
    return max;
  };
  return { p50: at(0.5), p99: at(0.99), max, count };
}

export function newLatencyBuckets(): Uint32Array {
  return new Uint32Array(BUCKETS);
}

/** One producer partition's live counters. */
export class ProducerPartitionCounters {
  messagesSent = 0;
  bytesSent = 0;
  sendFailed = 0;
  pending = 0;
  readonly latency: LatencyHistogram;

  constructor(
    readonly topic: string,
    readonly partition: number,
    now: number,
  ) {
    this.latency = new LatencyHistogram(now);
  }
}

/** One consumer partition's live counters. */
export class ConsumerPartitionCounters {
  messagesReceived = 0;
  bytesReceived = 0;
  acks = 0;
  nacks = 0;
  redeliveries = 0;
  pending = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

/** The producer's stats from its partitions' counters. */
export function producerStats(parts: Iterable<ProducerPartitionCounters>, now: number): ProducerStats {
  const total: ProducerStats = {
    messagesSent: 0,
    bytesSent: 0,
    sendFailed: 0,
    pending: 0,
    sendLatencyMs: summarize(newLatencyBuckets(), 0),
    partitions: [],
  };
  const buckets = newLatencyBuckets();
  let max = 0;
  for (const c of parts) {
    const sendLatencyMs = c.latency.snapshot(now);
    max = Math.max(max, c.latency.addTo(now, buckets));
    const { topic, partition, messagesSent, bytesSent, sendFailed, pending } = c;
    total.partitions.push({ topic, partition, messagesSent, bytesSent, sendFailed, pending, sendLatencyMs });
    total.messagesSent += messagesSent;
    total.bytesSent += bytesSent;
    total.sendFailed += sendFailed;
    total.pending += pending;
  }
  total.sendLatencyMs = summarize(buckets, max);
  return total;
}

/** The consumer's stats from its partitions' counters. */
export function consumerStats(parts: Iterable<ConsumerPartitionCounters>): ConsumerStats {
  const total: ConsumerStats = { messagesReceived: 0, bytesReceived: 0, acks: 0, nacks: 0, redeliveries: 0, pending: 0, partitions: [] };
  for (const c of parts) {
    const p: ConsumerPartitionStats = { ...c };
    total.partitions.push(p);
    total.messagesReceived += p.messagesReceived;
    total.bytesReceived += p.bytesReceived;
    total.acks += p.acks;
    total.nacks += p.nacks;
    total.redeliveries += p.redeliveries;
    total.pending += p.pending;
  }
  return total;
}

// One clock read per task: sends handed over, or receipts settled, in one synchronous run share
// it (a clock read costs more than the rest of the counting)
let cachedNow = -1;
const forgetNow = (): void => {
  cachedNow = -1;
};

/** performance.now() as read at the first call of the current task. */
export function taskNow(): number {
  if (cachedNow < 0) {
    cachedNow = performance.now();
    queueMicrotask(forgetNow);
  }
  return cachedNow;
}

/** What a counted send carries (an OutgoingMessage), named here so stats and message do not import each other. */
interface CountedSend {
  size: number;
  counters?: ProducerPartitionCounters;
  sentAt?: number;
  onResolve?: (id: Receipt) => void;
  onReject?: (err: Error) => void;
}

// The resolve/reject a message carries while it is counted: called as methods of the message
// (`msg.resolve(id)`), so no closure is made per message.
export function countedResolve(this: CountedSend, id: Receipt): void {
  const c = this.counters!;
  const now = taskNow();
  c.pending--;
  c.messagesSent++;
  c.bytesSent += this.size;
  c.latency.record(now, now - this.sentAt!);
  this.onResolve!(id);
}

export function countedReject(this: CountedSend, err: Error): void {
  const c = this.counters!;
  c.pending--;
  c.sendFailed++;
  this.onReject!(err);
}

/** Counts the messages of one delivery. */
export function countReceived(c: ConsumerPartitionCounters, msgs: readonly Message[]): void {
  for (const m of msgs) {
    c.messagesReceived++;
    c.bytesReceived += m.value.length;
    if (m.redeliveryCount > 0) c.redeliveries++;
  }
  c.pending += msgs.length;
}

/** One acknowledgement; a cumulative one covers everything received before it, so nothing stays pending. */
export function countAck(c: ConsumerPartitionCounters, cumulative: boolean): void {
  c.acks++;
  c.pending = cumulative ? 0 : Math.max(0, c.pending - 1);
}

export function countNack(c: ConsumerPartitionCounters): void {
  c.nacks++;
  c.pending = Math.max(0, c.pending - 1);
}

/** A stale copy (a reconnect or redeliver-all made it so) dropped before the app saw it. */
export function countDropped(c: ConsumerPartitionCounters): void {
  c.pending = Math.max(0, c.pending - 1);
}

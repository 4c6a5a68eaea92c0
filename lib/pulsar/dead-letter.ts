import { AccessMode } from '../../protocol/pulsar/proto';
import type { PartitionSink, SinkLine } from '../core/backend';
import { BufferPool } from '../core/buffer-pool';
import type { ProducerConfig } from '../core/config';
import { ClosedError } from '../core/errors';
import { MemoryLimitController } from '../core/memory-limit-controller';
import { OutgoingMessage, prepareMessage, SendOptions } from '../core/message';
import { javaStringHash } from '../../strategies';
import type { MessageId } from './message-id';
import type { PulsarProducerSettings } from './options';
import { PartitionProducer } from './partition-producer';
import type { ReceivedMessage } from './received-message';
import type { ClientCore } from './session';
import { partitionTopicName } from './session';

/** The properties the Java client writes on a dead letter (RetryMessageUtil): the topic it came from and its id there. */
export const REAL_TOPIC = 'REAL_TOPIC';
export const ORIGIN_MESSAGE_ID = 'ORIGIN_MESSAGE_ID';

/** Where a dead letter came from: the partition's full topic name and its id text there. */
export interface DeadLetterOrigin {
  realTopic: string;
  originMessageId: string;
}

/** What a dead (or retry) letter carries beyond the message: properties set over its own, a delivery time. */
export interface LetterExtras {
  properties?: Record<string, string>;
  deliverAtTime?: number;
}

/** Where `m` came from, as the Java client writes it: the partition's full name and `ledger:entry:partition[:batch]` (partition -1 when not partitioned). */
export function originOf(topicName: string, partitioned: boolean, m: ReceivedMessage): DeadLetterOrigin {
  const id = m.messageId;
  const batch = id.batchIndex !== undefined ? `:${id.batchIndex}` : '';
  return {
    realTopic: fullTopicName(topicName),
    originMessageId: `${id.ledgerId}:${id.entryId}:${partitioned ? id.partition : -1}${batch}`,
  };
}

/** `persistent://public/default/t` for `t`, `persistent://a/b/t` for `a/b/t`; a name with a scheme as it is. */
export function fullTopicName(name: string): string {
  if (name.includes('://')) return name;
  return name.split('/').length === 3 ? `persistent://${name}` : `persistent://public/default/${name}`;
}

/** What a dead letter producer needs of the consumer's client. */
export interface DeadLetterHost {
  core: ClientCore;
  partitionCount(topic: string): Promise<number>;
  /** the consumer's connection settings (operation timeout and the like) */
  config: { operationTimeoutMs: number };
}

// As the Java client's dead letter producer: no batching, chunking on, fails fast when full.
const SEND_TIMEOUT_MS = 30_000;
const MAX_PENDING = 1000;

/**
 * A small producer for one dead letter topic, opened on the first dead letter (with the initial
 * subscription the policy names) on the consumer's own connections; a partitioned dead letter
 * topic is routed as the Java client's default router does (key hash, else round robin).
 */
export class DeadLetterProducer implements SinkLine {
  private opening?: Promise<PartitionProducer[]>;
  private readonly line: Array<{ sink: PartitionProducer; msg: OutgoingMessage }> = [];
  private next = 0;
  private closed = false;

  constructor(
    readonly topic: string,
    private readonly initialSubscriptionName: string | undefined,
    private readonly host: DeadLetterHost,
  ) {}

  /** Sends one dead letter; resolves with its id in the dead letter topic once stored. */
  async send(m: ReceivedMessage, origin: DeadLetterOrigin, extras: LetterExtras = {}): Promise<MessageId> {
    const sinks = await this.open();
    if (this.closed) throw new ClosedError(`the dead letter producer on ${this.topic} is closed`);
    const properties = { ...m.properties };
    // putIfAbsent, as the Java client: a message dead-lettered twice keeps where it first came from
    properties[REAL_TOPIC] ??= origin.realTopic;
    properties[ORIGIN_MESSAGE_ID] ??= origin.originMessageId;
    Object.assign(properties, extras.properties);
    const opts: SendOptions = { properties };
    if (extras.deliverAtTime !== undefined) opts.deliverAt = extras.deliverAtTime;
    if (m.eventTime !== undefined) opts.eventTime = m.eventTime;
    if (m.orderingKey !== undefined) opts.orderingKey = m.orderingKey;
    const msg = prepareMessage(m.keyBytes ?? m.key, m.nullValue ? null : m.value, opts);
    const sink = sinks.length === 1 ? sinks[0] : sinks[this.route(msg.partitionKey, sinks.length)];
    if (!sink.tryAdmit(msg.size)) throw sink.queueFullError(msg.size);
    return new Promise<MessageId>((resolve, reject) => {
      msg.resolve = resolve as (id: unknown) => void;
      msg.reject = reject;
      msg.deadline = Date.now() + SEND_TIMEOUT_MS;
      msg.ticket = sink.issueTicket();
      if (sink.ready && !this.line.some((q) => q.sink === sink)) sink.write(msg);
      else {
        this.line.push({ sink, msg });
        sink.watch(msg.deadline);
      }
    });
  }

  // signSafeMod(JavaStringHash(key), n) for a keyed message, else round robin
  private route(key: string | undefined, n: number): number {
    if (key === undefined) return this.next++ % n;
    const h = javaStringHash(key) % n;
    return h < 0 ? h + n : h;
  }

  private open(): Promise<PartitionProducer[]> {
    this.opening ??= this.doOpen();
    // a failed open is tried again by the next dead letter
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  private async doOpen(): Promise<PartitionProducer[]> {
    const count = await this.host.partitionCount(this.topic);
    const config = {
      operationTimeoutMs: this.host.config.operationTimeoutMs,
      sendTimeoutMs: SEND_TIMEOUT_MS,
      batchingEnabled: false,
      chunkingEnabled: true,
      maxMessageSize: 5 * 1024 * 1024,
      maxPendingMessages: MAX_PENDING,
      startupDelayMs: 0,
      startupJitterMs: 0,
      accessMode: 'Shared',
    } as unknown as ProducerConfig & PulsarProducerSettings;
    const memory = new MemoryLimitController(0);
    const bodies = new BufferPool();
    const sinks = Array.from({ length: Math.max(1, count) }, (_, i) => {
      const p = new PartitionProducer(partitionTopicName(this.topic, i, count > 0), this.topic, i, {
        pool: this.host.core.pool,
        lookup: this.host.core.lookup,
        config,
        accessMode: AccessMode.Shared,
        memory,
        bodies,
        initialSubscriptionName: this.initialSubscriptionName,
      });
      p.worker = this;
      return p;
    });
    try {
      await Promise.all(sinks.map((s) => s.start()));
    } catch (err) {
      await Promise.all(sinks.map((s) => s.close()));
      throw err;
    }
    return sinks;
  }

  // ---- SinkLine: dead letters wait here while their partition's producer reconnects ----

  drain(): void {
    while (this.line.length > 0) {
      const q = this.line[0];
      if (!q.sink.ready) return;
      this.line.shift();
      q.sink.write(q.msg);
    }
  }

  failQueued(sink: PartitionSink, error: () => Error, now?: number): number {
    let earliest = Infinity;
    for (let i = 0; i < this.line.length;) {
      const q = this.line[i];
      if (q.sink === sink && (now === undefined || q.msg.deadline <= now)) {
        this.line.splice(i, 1);
        q.sink.failMessage(q.msg, error());
      } else {
        if (q.sink === sink) earliest = Math.min(earliest, q.msg.deadline);
        i++;
      }
    }
    return earliest;
  }

  oldestUnsettled(sink: PartitionSink): number {
    for (const q of this.line) if (q.sink === sink && !q.msg.settled) return q.msg.ticket;
    return Infinity;
  }

  /** Waits for dead letters in flight until `deadline` (epoch ms), then closes. */
  async close(deadline: number): Promise<void> {
    this.closed = true;
    const sinks = await this.opening?.catch(() => undefined);
    if (!sinks) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(sinks.map((s) => s.whenFlushed())),
      new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    await Promise.all(sinks.map((s) => s.close()));
  }
}

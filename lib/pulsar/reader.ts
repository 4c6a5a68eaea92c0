import { randomBytes } from 'crypto';
import type { ClientSession } from '../core/client-session';
import { Consumer } from '../core/consumer';
import { ClosedError, ConfigError, InvalidArgumentError } from '../core/errors';
import type { Message } from '../core/received-message';
import type { ClientOptions } from '../core/types';
import { envNameOf } from '../core/options';
import { MessageId, MessageIdFields } from './message-id';
import { setReaderStart } from './reader-start';

// declared beside the class, so the public types (which reach this file) see it
declare module '../core/backend' {
  interface ReaderTypes {
    pulsar: { reader: Reader; options: ReaderOptions };
  }
}

/** Where a Reader starts: the first message, the next one published, or a message id. */
export type ReaderStart = 'earliest' | 'latest' | MessageId | MessageIdFields;

/** Options of `client.reader()` (and, with the connection options, of `new Reader()`). */
export interface ReaderOptions extends ClientOptions {
  /** the topic to read; a partitioned topic is read across all its partitions */
  topic: string;
  /** 'earliest', 'latest', or a message id (of a topic that is not partitioned, or a partition's own topic) */
  startMessageId: ReaderStart;
  /** the message at startMessageId (or, with 'latest', the last one stored) is read too. @default false */
  startInclusive?: boolean;
  /** read the compacted view of the topic: the latest message of each key. @default false */
  readCompacted?: boolean;
  /** messages the broker may push ahead per partition (1..100000). @default 1000 */
  receiverQueueSize?: number;
  /** the consumer name the broker shows */
  readerName?: string;
  /** the subscription is named `<prefix>-<random>`. @default 'reader' */
  subscriptionRolePrefix?: string;
}

const READER_KEYS = [
  'topic',
  'startMessageId',
  'startInclusive',
  'readCompacted',
  'receiverQueueSize',
  'readerName',
  'subscriptionRolePrefix',
];
// a Reader sets these itself
const REFUSED = ['topics', 'subscription', 'subscriptionType', 'subscriptionMode', 'subscriptionInitialPosition', 'handleMessages'];

/**
 * Reads a topic from a position on a non-durable, exclusive subscription (the Java client's
 * Reader): nothing is kept on the broker after close(), acknowledgements are not needed. Readers of
 * a partitioned topic read every partition, merged as they arrive.
 */
export class Reader implements AsyncIterable<Message> {
  readonly topic: string;
  private readonly consumer: Consumer;
  private readonly startAt: ReaderStart;
  private readonly inclusive: boolean;
  private started?: Promise<void>;
  private closed = false;

  constructor(options: ReaderOptions, env: NodeJS.ProcessEnv = process.env, client?: ClientSession) {
    if (!options || typeof options !== 'object')
      throw new InvalidArgumentError('a Reader takes an options object with topic and startMessageId');
    const o = options as unknown as Record<string, unknown>;
    for (const k of REFUSED) {
      if (o[k] !== undefined)
        throw new ConfigError(
          `option ${k} is set by the Reader itself; a Reader takes ${READER_KEYS.join(', ')} and connection options`,
          k,
          envNameOf(k),
          o[k],
        );
    }
    const { topic, startMessageId, startInclusive, readCompacted, receiverQueueSize, readerName, subscriptionRolePrefix, ...rest } =
      options;
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError('a Reader needs a topic (a non-empty string)');
    this.topic = topic;
    this.startAt = checkStart(startMessageId);
    this.inclusive = startInclusive === true;
    const prefix = subscriptionRolePrefix ?? 'reader';
    this.consumer = new Consumer(
      {
        ...rest,
        topics: [topic],
        subscription: `${prefix}-${randomBytes(5).toString('hex')}`,
        subscriptionType: 'exclusive',
        subscriptionMode: 'non_durable',
        subscriptionInitialPosition: this.startAt === 'earliest' ? 'earliest' : 'latest',
        readCompacted,
        receiverQueueSize,
        consumerName: readerName,
      },
      env,
      client,
    );
    const id = typeof this.startAt === 'string' ? undefined : this.startAt;
    setReaderStart(this.consumer.config, {
      id: id && { ledgerId: id.ledgerId, entryId: id.entryId, ...(id.batchIndex !== undefined ? { batchIndex: id.batchIndex } : {}) },
      inclusive: this.inclusive,
    });
  }

  /** Subscribes; readNext, iteration and hasMessageAvailable call it when needed. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    await this.consumer.start();
    // 'latest' inclusive: the last stored message of each partition is read too (as the Java Reader)
    if (this.startAt === 'latest' && this.inclusive) {
      const lasts = (await this.consumer.getLastMessageIds()) as MessageId[];
      await Promise.all(lasts.filter((id) => id.entryId >= 0).map((id) => this.consumer.seek(id)));
    }
  }

  /** The next message; with `timeoutMs`, undefined when none arrives within it. Rejects with ClosedError once closed. */
  async readNext(timeoutMs?: number): Promise<Message | undefined> {
    await this.start();
    if (this.closed) throw new ClosedError('the reader is closed');
    const m = timeoutMs === undefined ? (await this.consumer.receive()).value : await this.consumer.receiveWithin(timeoutMs);
    if (m === undefined && this.closed) throw new ClosedError('the reader is closed');
    // the broker's cursor follows what was read, as the Java Reader acknowledges
    if (m) this.consumer.ackCumulative(m);
    return m;
  }

  /** Whether readNext would return a message without waiting for a producer. */
  async hasMessageAvailable(): Promise<boolean> {
    await this.start();
    return this.consumer.hasMessageAvailable();
  }

  /** Moves the reader: to a message id (its partition), or to a publish time (epoch ms or Date, every partition). */
  async seek(target: MessageId | number | Date): Promise<void> {
    await this.start();
    await this.consumer.seek(target);
  }

  /** Whether every partition reported that the topic was terminated and fully read. */
  get reachedEndOfTopic(): boolean {
    return this.consumer.reachedEndOfTopics;
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: async () => {
        try {
          const m = await this.readNext();
          return m ? { value: m, done: false } : { value: undefined, done: true };
        } catch (err) {
          if (err instanceof ClosedError) return { value: undefined, done: true };
          throw err;
        }
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  /** Closes the subscription (the broker forgets it) and, for a standalone Reader, its connections. */
  async close(): Promise<void> {
    this.closed = true;
    await this.consumer.close();
  }
}

function checkStart(start: unknown): ReaderStart {
  if (start === 'earliest' || start === 'latest') return start;
  if (start instanceof MessageId) return start;
  const f = start as MessageIdFields | undefined;
  if (f && typeof f === 'object' && Number.isSafeInteger(f.ledgerId) && Number.isSafeInteger(f.entryId))
    return new MessageId(f.topic ?? '', f.partition ?? -1, f.ledgerId, f.entryId, f.batchIndex);
  throw new InvalidArgumentError(
    `startMessageId must be 'earliest', 'latest' or a MessageId; got ${JSON.stringify(start) ?? String(start)}`,
  );
}

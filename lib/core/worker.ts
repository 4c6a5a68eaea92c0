import type { PartitionSink, SinkLine } from './backend';
import type { OutgoingMessage } from './message';

interface Queued {
  producer: PartitionSink;
  msg: OutgoingMessage;
}

/**
 * Kaffe's worker: hands messages to its partition sinks in the order it was given them. A
 * message waits while the producer at the head of the line is (re)connecting, so nothing
 * overtakes it, also across the topics a worker_per_partition worker serves.
 */
export class Worker implements SinkLine {
  readonly producers = new Map<string, PartitionSink>();
  private queue: Queued[] = [];
  private head = 0;

  constructor(readonly name: string) {}

  /** Attaches a producer so its readiness drains this worker's line. */
  attach(producer: PartitionSink): void {
    this.producers.set(producer.topicName, producer);
    producer.worker = this;
  }

  send(producer: PartitionSink, msg: OutgoingMessage): void {
    if (this.head === this.queue.length && producer.ready) {
      producer.write(msg);
      return;
    }
    this.queue.push({ producer, msg });
    // a message waiting in the line still times out on its producer's timer
    producer.watch(msg.deadline);
    if (producer.ready || producer.failure) this.drain();
  }

  /** Moves queued messages to their producers until one is not ready. */
  drain(): void {
    while (this.head < this.queue.length) {
      const { producer, msg } = this.queue[this.head];
      const failure = producer.failure;
      if (failure) producer.failMessage(msg, failure);
      else if (producer.ready) producer.write(msg);
      else break;
      this.head++;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Fails `producer`'s queued messages from the first whose deadline is at or before `now` (all of
   * them when `now` is omitted) and drops them from the line, so their bytes are not held. Returns
   * the earliest deadline among its messages left.
   */
  failQueued(producer: PartitionSink, error: () => Error, now = Infinity): number {
    let err: Error | undefined;
    let next = Infinity;
    let kept = this.head;
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (q.producer === producer) {
        const d = q.msg.deadline;
        if (!err && (now === Infinity || (d !== 0 && d <= now))) err = error();
        if (err) {
          producer.failMessage(q.msg, err);
          continue;
        }
        if (d !== 0 && d < next) next = d;
      }
      this.queue[kept++] = q;
    }
    this.queue.length = kept;
    return next;
  }

  /** The ticket of `producer`'s oldest unsettled message in the line, or Infinity. */
  oldestUnsettled(producer: PartitionSink): number {
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (q.producer === producer && !q.msg.settled) return q.msg.ticket;
    }
    return Infinity;
  }

  get queuedCount(): number {
    return this.queue.length - this.head;
  }
}

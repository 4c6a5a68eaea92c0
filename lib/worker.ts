import type { OutgoingMessage } from './message';
import type { PartitionProducer } from './partition-producer';

interface Queued {
  producer: PartitionProducer;
  msg: OutgoingMessage;
}

/**
 * Kaffe's worker: hands messages to its Pulsar producers in the order it was given them. A
 * message waits while the producer at the head of the line is (re)connecting, so nothing
 * overtakes it, also across the topics a worker_per_partition worker serves.
 */
export class Worker {
  readonly producers = new Map<string, PartitionProducer>();
  private queue: Queued[] = [];
  private head = 0;

  constructor(readonly name: string) {}

  /** Attaches a producer so its readiness drains this worker's line. */
  attach(producer: PartitionProducer): void {
    this.producers.set(producer.topicName, producer);
    producer.onReady = () => this.drain();
  }

  send(producer: PartitionProducer, msg: OutgoingMessage): void {
    if (this.head === this.queue.length && producer.ready) {
      producer.write(msg);
      return;
    }
    this.queue.push({ producer, msg });
    if (producer.ready || producer.failure) this.drain();
  }

  /** Moves queued messages to their producers until one is not ready. */
  drain(): void {
    while (this.head < this.queue.length) {
      const { producer, msg } = this.queue[this.head];
      const failure = producer.failure;
      if (failure) {
        if (!msg.settled) {
          msg.settled = true;
          if (msg.timer) clearTimeout(msg.timer);
          msg.reject(failure);
        }
      } else if (producer.ready) producer.write(msg);
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

  get queuedCount(): number {
    return this.queue.length - this.head;
  }
}

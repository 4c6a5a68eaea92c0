import { BaseCommand, LookupType, ServerError } from '../../protocol/pulsar/proto';
import type { PeerConnection } from './scripted-connection';

/** What a Reply needs from the peer: its default answers, error forms and timers. */
export interface ReplyHost {
  answer(conn: PeerConnection, cmd: BaseCommand, fields: Record<string, unknown>): Uint8Array[];
  errorFrame(cmd: BaseCommand, error: ServerError, message: string): Buffer;
  closeProducerFrame(conn: PeerConnection, producerId: number, assignedBrokerServiceUrl?: string): Buffer;
  closeConsumerFrame(conn: PeerConnection, consumerId: number, assignedBrokerServiceUrl?: string): Buffer;
  later(fn: () => void, ms: number): void;
}

interface Plan {
  delayMs: number;
  before: Uint8Array[];
  /** bytes, or thunks run once the answer's side effects happened (closing what it registered) */
  after: Array<Uint8Array | (() => Uint8Array)>;
  destroyAfter: boolean;
}

/**
 * How a hook answers one command. Modifiers (`delay`, `andThen`, `first`, `andDestroy`) return a
 * new Reply; an action (`ok`, `error`, `redirect`, `raw`, `silent`, `destroy`) writes it.
 */
export class Reply {
  constructor(
    private readonly peer: ReplyHost,
    readonly conn: PeerConnection,
    readonly cmd: BaseCommand,
    private readonly plan: Plan = { delayMs: 0, before: [], after: [], destroyAfter: false },
  ) {}

  /** Answers after `ms` (the command's side effects, like registering a producer, happen then too). */
  delay(ms: number): Reply {
    return this.with({ delayMs: this.plan.delayMs + ms });
  }

  /** Bytes written in the same TCP write, after the answer. */
  andThen(...bytes: Uint8Array[]): Reply {
    return this.with({ after: [...this.plan.after, ...bytes] });
  }

  /** Bytes written in the same TCP write, before the answer. */
  first(...bytes: Uint8Array[]): Reply {
    return this.with({ before: [...this.plan.before, ...bytes] });
  }

  /**
   * CLOSE_PRODUCER in the same TCP write, after the answer (by default to the producer a PRODUCER
   * command registers); the peer forgets the producer as a broker would, so its SENDs go unanswered.
   */
  andCloseProducer(producerId: number = this.cmd.producer?.producerId, assignedBrokerServiceUrl?: string): Reply {
    return this.with({ after: [...this.plan.after, () => this.peer.closeProducerFrame(this.conn, producerId, assignedBrokerServiceUrl)] });
  }

  /** CLOSE_CONSUMER in the same TCP write, after the answer (by default to the consumer a SUBSCRIBE registers). */
  andCloseConsumer(consumerId: number = this.cmd.subscribe?.consumerId, assignedBrokerServiceUrl?: string): Reply {
    return this.with({ after: [...this.plan.after, () => this.peer.closeConsumerFrame(this.conn, consumerId, assignedBrokerServiceUrl)] });
  }

  /** Closes the connection once the answer is written. */
  andDestroy(): Reply {
    return this.with({ destroyAfter: true });
  }

  /** The broker's normal answer; `fields` override fields of the answer's sub-command. */
  ok(fields: Record<string, unknown> = {}): void {
    this.finish(() => this.peer.answer(this.conn, this.cmd, fields));
  }

  /** The broker's error answer for this command: SEND_ERROR (under a batch's highest sequence id), a Failed lookup, or ERROR. */
  error(code: ServerError, message = `scripted ${ServerError[code]}`): void {
    this.finish(() => [this.peer.errorFrame(this.cmd, code, message)]);
  }

  /** LOOKUP only: Redirect to another broker's URL. */
  redirect(brokerServiceUrl: string, authoritative = true): void {
    this.ok({ response: LookupType.Redirect, brokerServiceUrl, authoritative });
  }

  /** These bytes instead of an answer (garbage, a bad length, a hand-made frame). */
  raw(...bytes: Uint8Array[]): void {
    this.finish(() => bytes);
  }

  /** No answer (the `first`/`andThen` bytes, if any, are still written). */
  silent(): void {
    this.finish(() => []);
  }

  /** Drops the connection instead of answering. */
  destroy(): void {
    this.peer.later(() => this.conn.destroy(), this.plan.delayMs);
  }

  private with(p: Partial<Plan>): Reply {
    return new Reply(this.peer, this.conn, this.cmd, { ...this.plan, ...p });
  }

  private finish(answer: () => Uint8Array[]): void {
    const { before, after, destroyAfter } = this.plan;
    this.peer.later(() => {
      if (this.conn.closed) return;
      const main = answer();
      this.conn.write(...before, ...main, ...after.map((a) => (typeof a === 'function' ? a() : a)));
      if (destroyAfter) this.conn.end();
    }, this.plan.delayMs);
  }
}

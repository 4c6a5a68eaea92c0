import * as InitProducerId from '../../protocol/kafka/init-producer-id';
import { ApiKey, decodeInitProducerIdResponse, encodeInitProducerIdRequest, InitProducerIdResponse } from '../../protocol/kafka';
import { sleep } from '../core/backoff';
import { CortadoError } from '../core/errors';
import type { KafkaCluster } from './cluster';
import type { KafkaApi } from './connection';
import { kafkaError } from './errors';

export const INIT_PRODUCER_ID: KafkaApi<Parameters<typeof encodeInitProducerIdRequest>[1], InitProducerIdResponse> = {
  apiKey: ApiKey.InitProducerId,
  version: InitProducerId.VERSION,
  flexible: InitProducerId.FLEXIBLE,
  encode: encodeInitProducerIdRequest,
  decode: decodeInitProducerIdResponse,
};

/**
 * The idempotent producer's identity (the Java client's TransactionManager, without
 * transactions): a producer id and epoch from InitProducerId, and the next sequence number of
 * each partition. A sequence error bumps the epoch and restarts every partition's sequences at 0.
 */
export class ProducerIdentity {
  producerId = -1n;
  epoch = -1;
  /** rises with every new id or epoch: batches numbered under an older one are numbered again */
  generation = 0;
  private readonly nextSequence = new Map<string, number>();
  private pending?: Promise<void>;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly operationTimeoutMs: number,
  ) {}

  get ready(): boolean {
    return this.producerId >= 0n;
  }

  /** Gets the first id; later callers share the request. */
  init(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.pending ??= this.ask(false).finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * A new epoch for the same producer id (KIP-360), or a new id where the broker cannot bump;
   * called once per sequence error seen at `generation`, later reports of the same loss share it.
   */
  bump(seenAt: number): Promise<void> {
    if (seenAt !== this.generation) return this.pending ?? Promise.resolve();
    this.pending ??= this.ask(true).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async ask(bump: boolean): Promise<void> {
    const deadline = Date.now() + this.operationTimeoutMs;
    let wait = 100;
    for (;;) {
      try {
        const conn = await this.cluster.anyConnection();
        const res = await conn.request(INIT_PRODUCER_ID, {
          transactionalId: null,
          transactionTimeoutMs: 60_000,
          producerId: bump ? this.producerId : -1n,
          producerEpoch: bump ? this.epoch : -1,
        });
        if (res.errorCode !== 0) throw kafkaError(res.errorCode, 'InitProducerId');
        this.producerId = BigInt(res.producerId);
        this.epoch = res.producerEpoch;
        this.generation++;
        this.nextSequence.clear();
        return;
      } catch (err) {
        if (!(err instanceof CortadoError && err.canRetry) || Date.now() + wait >= deadline) throw err;
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 1000);
    }
  }

  /** Takes `count` sequence numbers of a partition, wrapping at 2^31 as the broker does. */
  takeSequence(key: string, count: number): number {
    const base = this.nextSequence.get(key) ?? 0;
    this.nextSequence.set(key, (base + count) % 0x80000000);
    return base;
  }
}

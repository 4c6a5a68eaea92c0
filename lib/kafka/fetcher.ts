import { ERROR_CODE } from '../../protocol/kafka';
import { ApiKey, decodeRecordBatches, DecodedRecord, KafkaCodec, KafkaCompression } from '../../protocol/kafka';
import { AbortedTransaction, committedBatches } from '../../protocol/kafka/aborted-transactions';
import * as Fetch from '../../protocol/kafka/fetch';
import * as ListOffsets from '../../protocol/kafka/list-offsets';
import { sleep } from '../core/backoff';
import { CortadoError } from '../core/errors';
import type { Log } from '../core/logger';
import type { KafkaCluster } from './cluster';
import { kafkaError } from './errors';
import { kafkaApi } from './group-coordinator';

const { OFFSET_OUT_OF_RANGE } = ERROR_CODE;

const FETCH = kafkaApi(ApiKey.Fetch, Fetch, Fetch.encodeFetchRequest, Fetch.decodeFetchResponse);
const LIST_OFFSETS = kafkaApi(ApiKey.ListOffsets, ListOffsets, ListOffsets.encodeListOffsetsRequest, ListOffsets.decodeListOffsetsResponse);

// partition errors that pass once the metadata names the partition's current leader
const STALE_LEADER = new Set(
  (
    [
      'UNKNOWN_TOPIC_OR_PARTITION',
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_OR_FOLLOWER',
      'REPLICA_NOT_AVAILABLE',
      'KAFKA_STORAGE_ERROR',
      'FENCED_LEADER_EPOCH',
      'UNKNOWN_LEADER_EPOCH',
    ] as const
  ).map((name) => ERROR_CODE[name]),
);
const EARLIEST = -2n;
const LATEST = -1n;

/** One assigned partition as the fetcher sees it. */
export interface FetchTarget {
  readonly topic: string;
  readonly partition: number;
  /** the next offset to fetch; -1 until the starting offset is known */
  position: number;
  /** not paused (a nack's delay) and with room for more records */
  readonly fetchable: boolean;
  /** records at and after `position`, in offset order; `next` is where the following fetch starts */
  receive(records: DecodedRecord[], next: number): void;
}

export interface FetchSettings {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxPartitionBytes: number;
  requestTimeoutMs: number;
  initialPosition: 'earliest' | 'latest';
  /** 1 (read_committed): up to the last stable offset, aborted transactions skipped; 0 otherwise */
  isolationLevel: 0 | 1;
  log: Log;
}

/**
 * Fetches the assigned partitions from their leaders: one long-polling Fetch loop per broker over
 * the partitions it leads, control batches skipped, every codec decoded, records handed over in order.
 */
export class Fetcher {
  private readonly targets = new Set<FetchTarget>();
  private readonly loops = new Map<number, Promise<void>>();
  private closed = false;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly settings: FetchSettings,
    private readonly codecs: (type: KafkaCompression) => KafkaCodec,
  ) {}

  add(t: FetchTarget): void {
    this.targets.add(t);
    this.kick();
  }

  remove(t: FetchTarget): void {
    this.targets.delete(t);
  }

  /** Starts a fetch loop for every broker that leads a fetchable partition and has none running. */
  kick(): void {
    if (this.closed) return;
    let unknown = false;
    for (const t of this.targets) {
      if (!t.fetchable || t.position < 0) continue;
      const leader = this.cluster.leaderOf(t.topic, t.partition);
      if (leader < 0) {
        unknown = true;
        continue;
      }
      if (!this.loops.has(leader)) {
        const loop = this.loop(leader).finally(() => {
          this.loops.delete(leader);
          // a partition that became fetchable as the loop ended gets a new one
          if ([...this.targets].some((x) => x.fetchable && x.position >= 0 && this.cluster.leaderOf(x.topic, x.partition) === leader))
            this.kick();
        });
        this.loops.set(leader, loop);
      }
    }
    if (unknown) void this.refreshThenKick(100);
  }

  private async refreshThenKick(delay: number): Promise<void> {
    await sleep(delay);
    await this.cluster
      .refresh()
      .catch((err: unknown) => this.settings.log.warn(`Kafka metadata refresh failed: ${(err as Error).message}`));
    this.kick();
  }

  /** The offset `policy` names for a partition (ListOffsets at its leader). */
  async offsetFor(topic: string, partition: number, policy: 'earliest' | 'latest' = this.settings.initialPosition): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        let leader = this.cluster.leaderOf(topic, partition);
        if (leader < 0) {
          await this.cluster.partitionCount(topic);
          leader = this.cluster.leaderOf(topic, partition);
        }
        const conn = await this.cluster.connectionToNode(leader);
        const res = await conn.request(LIST_OFFSETS, {
          replicaId: -1,
          isolationLevel: this.settings.isolationLevel,
          topics: [
            {
              name: topic,
              partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: policy === 'earliest' ? EARLIEST : LATEST }],
            },
          ],
        });
        const p = res.topics[0]?.partitions[0];
        if (!p) throw kafkaError(3, `ListOffsets of ${topic}-${partition}`);
        if (p.errorCode !== 0) throw kafkaError(p.errorCode, `ListOffsets of ${topic}-${partition}`);
        return Number(p.offset);
      } catch (err) {
        if ((err instanceof CortadoError && !err.canRetry) || attempt >= 10 || this.closed) throw err;
        await this.cluster.refresh(topic).catch(() => undefined);
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  }

  private async loop(node: number): Promise<void> {
    const s = this.settings;
    let backoff = 100;
    let last: FetchTarget[] = [];
    while (!this.closed) {
      const batch = [...this.targets].filter((t) => t.fetchable && t.position >= 0 && this.cluster.leaderOf(t.topic, t.partition) === node);
      // a partition whose leader moved without a NOT_LEADER answer (this broker died) needs a loop at its new leader
      if (last.some((t) => this.targets.has(t) && this.cluster.leaderOf(t.topic, t.partition) !== node)) this.kick();
      last = batch;
      if (batch.length === 0) return;
      const asked = new Map(batch.map((t) => [t, t.position]));
      const byTopic = new Map<string, FetchTarget[]>();
      for (const t of batch) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t]);
      try {
        const conn = await this.cluster.connectionToNode(node);
        const res = await conn.request(
          FETCH,
          {
            clusterId: null,
            replicaId: -1,
            maxWaitMs: s.maxWaitMs,
            minBytes: s.minBytes,
            maxBytes: s.maxBytes,
            isolationLevel: s.isolationLevel,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [...byTopic].map(([topic, ts]) => ({
              topic,
              partitions: ts.map((t) => ({
                partition: t.partition,
                currentLeaderEpoch: -1,
                fetchOffset: BigInt(t.position),
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: s.maxPartitionBytes,
              })),
            })),
            forgottenTopicsData: [],
            rackId: '',
          },
          s.maxWaitMs + s.requestTimeoutMs,
        );
        if (res.errorCode !== 0) throw kafkaError(res.errorCode, 'Fetch');
        let stale = false;
        for (const tr of res.responses) {
          for (const pr of tr.partitions) {
            const t = batch.find((x) => x.topic === tr.topic && x.partition === pr.partitionIndex);
            // a partition revoked or sought back meanwhile drops what came for its old position
            if (!t || !this.targets.has(t) || t.position !== asked.get(t)) continue;
            if (pr.errorCode === OFFSET_OUT_OF_RANGE) {
              const to = await this.offsetFor(t.topic, t.partition);
              s.log.warn(`${t.topic}-${t.partition}: offset ${t.position} is out of range; reset to ${to} (${s.initialPosition})`);
              if (t.position === asked.get(t)) t.position = to;
              continue;
            }
            if (STALE_LEADER.has(pr.errorCode)) {
              stale = true;
              continue;
            }
            if (pr.errorCode !== 0) throw kafkaError(pr.errorCode, `Fetch of ${t.topic}-${t.partition}`);
            this.take(t, pr.records, pr.abortedTransactions);
          }
        }
        backoff = 100;
        if (stale) {
          // the leader moved: the next loop pass (or another broker's loop) fetches from the new one
          await this.cluster.refresh().catch(() => undefined);
          this.kick();
        }
      } catch (err) {
        if (this.closed) return;
        s.log.warn(`fetching from Kafka broker ${node} failed: ${(err as Error).message}; retrying`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
        await this.cluster.refresh().catch(() => undefined);
      }
    }
  }

  // Decodes one partition's records, skips control batches and what lies before the position, and hands the rest over.
  private take(t: FetchTarget, records: Uint8Array | null, aborted: AbortedTransaction[] | null): void {
    if (!records || records.length === 0) return;
    const from = t.position;
    let next = from;
    const out: DecodedRecord[] = [];
    const batches = decodeRecordBatches(records, this.codecs);
    for (const b of batches) {
      const end = Number(b.baseOffset) + b.lastOffsetDelta + 1;
      if (end > next) next = end;
    }
    const handed = this.settings.isolationLevel === 1 ? committedBatches(batches, aborted) : batches;
    for (const b of handed) if (!b.isControl) for (const r of b.records) if (Number(r.offset) >= from) out.push(r);
    if (next > from) t.receive(out, next);
  }

  /** Stops fetching; a fetch in flight is dropped when it answers. */
  close(): void {
    this.closed = true;
    this.targets.clear();
  }
}

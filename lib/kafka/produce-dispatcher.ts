import * as Produce from '../../protocol/kafka/produce';
import {
  ApiKey,
  decodeProduceResponse,
  encodeProduceRequest,
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../protocol/kafka';
import { ClosedError, CortadoError } from '../core/errors';
import type { KafkaCluster } from './cluster';
import type { KafkaApi } from './connection';

export const PRODUCE: KafkaApi<ProduceRequest, ProduceResponse> = {
  apiKey: ApiKey.Produce,
  version: Produce.VERSION,
  flexible: Produce.FLEXIBLE,
  encode: encodeProduceRequest,
  decode: decodeProduceResponse,
};

/** One record batch on its way to a partition's leader, and who hears how it went. */
export interface ProduceSlip {
  topic: string;
  partition: number;
  records: Buffer;
  /** the partition's answer; undefined with acks=0, where the broker says nothing */
  answered(res: ProducePartitionResponse | undefined): void;
  /** the request carrying it failed as a whole (network loss, timeout, connection closed) */
  lost(err: CortadoError): void;
}

/** The batches of one Produce request: at most one per partition (the broker's rule for idempotent producers). */
interface Gathered {
  slips: ProduceSlip[];
  bytes: number;
  /** topic, then partitions present */
  taken: Map<string, Set<number>>;
}

// A request stops taking batches at 1 MiB (the Java client's max.request.size), far below the broker's frame limit; a lone batch may be larger.
const REQUEST_BYTES = 1024 * 1024;

// A partition the broker's answer left out is told so, as an unknown partition.
const missing = (partition: number): ProducePartitionResponse => ({
  index: partition,
  errorCode: 3,
  baseOffset: -1n,
  logAppendTimeMs: -1n,
  logStartOffset: -1n,
  recordErrors: [],
  errorMessage: 'the Produce answer left this partition out',
});

/**
 * The Produce requests of one cortado Producer (the Java client's Sender drain): every batch its
 * partition producers send in one tick to one broker goes out in one request, split back on the
 * answer; a partition's second batch in that tick goes in the next request to the broker.
 */
export class ProduceDispatcher {
  /** per leader node, the requests gathering this tick, in send order */
  private gathering = new Map<number, Gathered[]>();
  private scheduled = false;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly acks: -1 | 0 | 1,
    private readonly timeoutMs: number,
  ) {}

  /** Queues a batch for `leader`; it goes at the end of this tick with the others for that broker. */
  send(leader: number, slip: ProduceSlip): void {
    let requests = this.gathering.get(leader);
    if (!requests) this.gathering.set(leader, (requests = []));
    // after the last request holding this partition, so its batches keep their order on the connection
    let at = requests.length;
    while (at > 0 && !requests[at - 1].taken.get(slip.topic)?.has(slip.partition)) at--;
    while (at < requests.length && requests[at].bytes + slip.records.length > REQUEST_BYTES) at++;
    if (at === requests.length) requests.push({ slips: [], bytes: 0, taken: new Map() });
    const g = requests[at];
    g.slips.push(slip);
    g.bytes += slip.records.length;
    const parts = g.taken.get(slip.topic);
    if (parts) parts.add(slip.partition);
    else g.taken.set(slip.topic, new Set([slip.partition]));
    if (!this.scheduled) {
      this.scheduled = true;
      // nextTick runs once the microtasks drain, so answers resolved in one socket read gather too, still before any I/O
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    // a fresh map per tick, never clear(): a cleared long-lived Map keeps its old table in old space, whose entries
    // hold every batch and message of the tick alive through scavenges until the next full GC
    const gathering = this.gathering;
    this.gathering = new Map();
    for (const [leader, requests] of gathering) {
      // the cluster hands out one connection promise per broker: requests reach it in send order
      this.cluster.connectionToNode(leader).then(
        (conn) => {
          for (const g of requests) {
            let reply: Promise<ProduceResponse | undefined>;
            try {
              const req = this.requestOf(g.slips);
              reply = this.acks === 0 ? conn.send0(PRODUCE, req) : conn.request(PRODUCE, req);
            } catch (err) {
              // a request that cannot be written fails its own batches, not the requests after it
              reply = Promise.reject(err);
            }
            reply.then(
              (res) => this.answer(g.slips, res),
              (err: unknown) => this.lose(g.slips, err),
            );
          }
        },
        (err: unknown) => {
          for (const g of requests) this.lose(g.slips, err);
        },
      );
    }
  };

  private requestOf(slips: ProduceSlip[]): ProduceRequest {
    const topics = new Map<string, Produce.ProducePartitionData[]>();
    for (const s of slips) {
      const data = { index: s.partition, records: s.records };
      const list = topics.get(s.topic);
      if (list) list.push(data);
      else topics.set(s.topic, [data]);
    }
    return {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: this.timeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
  }

  private answer(slips: ProduceSlip[], res: ProduceResponse | undefined): void {
    const of = (s: ProduceSlip) =>
      res &&
      (res.responses.find((t) => t.name === s.topic)?.partitionResponses.find((p) => p.index === s.partition) ?? missing(s.partition));
    each(slips, (s) => s.answered(of(s)));
  }

  private lose(slips: ProduceSlip[], err: unknown): void {
    const e = err instanceof CortadoError ? err : new ClosedError(String(err));
    each(slips, (s) => s.lost(e));
  }
}

// Every batch hears its outcome even if one listener throws; the first throw is raised after.
function each(slips: ProduceSlip[], fn: (s: ProduceSlip) => void): void {
  let thrown: { err: unknown } | undefined;
  for (const s of slips) {
    try {
      fn(s);
    } catch (err) {
      thrown ??= { err };
    }
  }
  if (thrown) throw thrown.err;
}

import * as net from 'net';

// A Kafka Metadata request (v4) over a plain socket: the readiness check of the test brokers, and
// partition leaders, without a JVM start per poll. A broker lists only the registered, unfenced brokers.

export interface ProbedPartition {
  partition: number;
  errorCode: number;
  /** -1 while the partition has no leader */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface ProbedTopic {
  name: string;
  errorCode: number;
  partitions: ProbedPartition[];
}

export interface MetadataAnswer {
  brokers: number[];
  clusterId: string | null;
  controllerId: number;
  /** the topics asked for, in the broker's order */
  topics: ProbedTopic[];
}

const METADATA = 3;
const VERSION = 4;
const CLIENT_ID = 'cortado-probe';

function request(correlationId: number, topics: string[]): Buffer {
  const id = Buffer.from(CLIENT_ID);
  const names = topics.map((t) => Buffer.from(t));
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length + 4 + names.reduce((n, t) => n + 2 + t.length, 0) + 1);
  let o = body.writeInt16BE(METADATA, 0);
  o = body.writeInt16BE(VERSION, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(id.length, o);
  o += id.copy(body, o);
  o = body.writeInt32BE(names.length, o); // an empty topic list: brokers only
  for (const t of names) {
    o = body.writeInt16BE(t.length, o);
    o += t.copy(body, o);
  }
  body.writeInt8(0, o); // allow_auto_topic_creation
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function parse(b: Buffer, correlationId: number): MetadataAnswer {
  let o = 0;
  const i32 = () => ((o += 4), b.readInt32BE(o - 4));
  const i16 = () => ((o += 2), b.readInt16BE(o - 2));
  const ints = () => Array.from({ length: i32() }, i32);
  const str = () => {
    const n = b.readInt16BE(o);
    o += 2;
    if (n < 0) return null;
    o += n;
    return b.toString('utf8', o - n, o);
  };
  if (i32() !== correlationId) throw new Error('metadata answer for another request');
  i32(); // throttle_time_ms
  const brokers: number[] = [];
  for (let n = i32(); n > 0; n--) {
    brokers.push(i32());
    str(); // host
    i32(); // port
    str(); // rack
  }
  const clusterId = str();
  const controllerId = i32();
  const topics: ProbedTopic[] = [];
  for (let n = i32(); n > 0; n--) {
    const errorCode = i16();
    const name = str() ?? '';
    o += 1; // is_internal
    const partitions: ProbedPartition[] = [];
    for (let k = i32(); k > 0; k--) {
      const pError = i16();
      partitions.push({ errorCode: pError, partition: i32(), leader: i32(), replicas: ints(), isr: ints() });
    }
    topics.push({ name, errorCode, partitions });
  }
  return { brokers, clusterId, controllerId, topics };
}

/** Asks `host:port` for its metadata (and `topics`' partitions); rejects on any socket problem or after `timeoutMs`. */
export function probeMetadata(hostPort: string, timeoutMs = 2000, topics: string[] = []): Promise<MetadataAnswer> {
  const at = hostPort.lastIndexOf(':');
  const correlationId = (Math.random() * 0x7fffffff) | 0;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) });
    let got = Buffer.alloc(0);
    const done = (err: Error | null, answer?: MetadataAnswer) => {
      s.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    s.setTimeout(timeoutMs, () => done(new Error(`no metadata answer from ${hostPort} in ${timeoutMs} ms`)));
    s.on('error', (e) => done(e));
    s.on('close', () => done(new Error(`${hostPort} closed the connection`)));
    s.on('connect', () => s.write(request(correlationId, topics)));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4 || got.length < 4 + got.readInt32BE(0)) return;
      try {
        done(null, parse(got.subarray(4, 4 + got.readInt32BE(0)), correlationId));
      } catch (e) {
        done(e as Error);
      }
    });
  });
}

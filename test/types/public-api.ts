// Compiled by tsc in every build (`npm test` builds first) and never run: each
// `@ts-expect-error` line must stay a type error, every other line must stay accepted.
import { EventEmitter } from 'events';
import {
  ACCESS_MODES,
  Admin,
  BATCH_BUILDERS,
  CHANNELS,
  COMPRESSION_NAMES,
  Consumer,
  ConfigError,
  INITIAL_POSITIONS,
  KafkaAdmin,
  LOG_LEVELS,
  MessageId,
  Producer,
  Reader,
  STRATEGY_NAMES,
  SUBSCRIPTION_MODES,
  SUBSCRIPTION_TYPES,
  WORKER_ALLOCATIONS,
} from '../../lib';
import type * as cortado from '../../lib';
import type { BaseCommand, CommandType } from '../../protocol/pulsar/proto';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

// The unions of the public types name exactly the values the validators accept.
assertType<Equal<cortado.CompressionName, (typeof COMPRESSION_NAMES)[number]>>();
assertType<Equal<cortado.StrategyName, (typeof STRATEGY_NAMES)[number]>>();
assertType<Equal<cortado.WorkerAllocation, (typeof WORKER_ALLOCATIONS)[number]>>();
assertType<Equal<cortado.AccessModeName, (typeof ACCESS_MODES)[number]>>();
assertType<Equal<cortado.BatchBuilderName, (typeof BATCH_BUILDERS)[number]>>();
assertType<Equal<cortado.SubscriptionModeName, (typeof SUBSCRIPTION_MODES)[number]>>();
// client.reader() is the Pulsar Reader, with its options
assertType<Equal<ReturnType<cortado.Client['reader']>, Reader>>();
assertType<Equal<Parameters<cortado.Client['reader']>[0], cortado.ReaderOptions>>();
assertType<Equal<cortado.SubscriptionTypeName, (typeof SUBSCRIPTION_TYPES)[number]>>();
assertType<Equal<cortado.InitialPositionName, (typeof INITIAL_POSITIONS)[number]>>();
assertType<Equal<cortado.LogLevel, (typeof LOG_LEVELS)[number]>>();

// The protocol layer is typed from the generated code: no `any` in a decoded command.
type IsAny<T> = 0 extends 1 & T ? true : false;
assertType<Equal<IsAny<BaseCommand>, false>>();
assertType<Equal<BaseCommand['type'], CommandType>>();
assertType<Equal<BaseCommand['sendReceipt']['producerId'], number>>();
assertType<Equal<BaseCommand['sendReceipt']['messageId']['ledgerId'], number>>();
assertType<Equal<BaseCommand['connected']['serverVersion'], string>>();
assertType<Equal<BaseCommand['message']['messageId']['ackSet'], (number | bigint)[]>>();
assertType<Equal<BaseCommand['lookupTopicResponse']['brokerServiceUrl'], string>>();
export function commandFieldsAreTyped(cmd: BaseCommand): void {
  // @ts-expect-error a sub-command has only its protocol fields
  void cmd.sendReceipt.producerID;
  // @ts-expect-error no such sub-command
  void cmd.sendReciept;
}

export async function wrongCalls(): Promise<void> {
  // The wrong producer call, whole and field by field.
  // @ts-expect-error every field has the wrong type
  new Producer({ sendTimeoutMs: 'soon', batchingEnabled: { yes: 1 }, compression: 'brotli', topics: 42, partitionStrategy: 'nope' });
  // @ts-expect-error sendTimeoutMs is a number of ms
  new Producer({ sendTimeoutMs: 'soon' });
  // @ts-expect-error batchingEnabled is a boolean
  new Producer({ batchingEnabled: { yes: 1 } });
  // @ts-expect-error compression is one of COMPRESSION_NAMES
  new Producer({ compression: 'brotli' });
  // @ts-expect-error topics is a list of names
  new Producer({ topics: 42 });
  // @ts-expect-error partitionStrategy is a strategy name or a function
  new Producer({ partitionStrategy: 'nope' });
  // @ts-expect-error accessMode is one of ACCESS_MODES
  new Producer({ accessMode: 'Mine' });
  // @ts-expect-error unknown options are refused
  new Producer({ sendTimeout: 5000 });
  // @ts-expect-error a logger needs debug, info, warn and error
  new Producer({ logger: { info: () => undefined } });

  // @ts-expect-error subscriptionType is one of SUBSCRIPTION_TYPES
  new Consumer({ subscriptionType: 'fanout' });
  // @ts-expect-error subscriptionInitialPosition is earliest or latest
  new Consumer({ subscriptionInitialPosition: 'middle' });
  // @ts-expect-error receiverQueueSize is a number
  new Consumer({ receiverQueueSize: '1000' });

  const p = new Producer({ topics: ['t'] });
  // @ts-expect-error `signal` is not a send option
  await p.produceSync('t', 'k', 'v', { signal: new AbortController().signal });
  // @ts-expect-error properties map strings to strings
  await p.produceSync('t', 'k', 'v', { properties: { n: 1 } });
  // @ts-expect-error a value is bytes, a string, null or what a schema encodes (a record, a number, a bigint, a boolean, a Date)
  await p.produceSync('t', 'k', () => 'not a value');
  // with a schema (Pulsar Json, Avro, ProtobufNative) the producer encodes plain objects
  await p.produceSync('t', 'k', { name: 'r1', count: 1 });
  // @ts-expect-error messages of the list form have a value
  await p.produceSync('t', [{ key: 'k' }]);

  // @ts-expect-error MessageId.fromString takes text
  MessageId.fromString(42);
  const id = new MessageId('t', 0, 1, 2);
  // @ts-expect-error a message id is read-only
  id.ledgerId = 3;

  const events = new EventEmitter<cortado.ProducerEvents>();
  // @ts-expect-error no such event
  events.on('disconnected', () => undefined);
  // @ts-expect-error connected carries a PartitionEvent, not an error
  events.on('connected', (e: Error) => e);
  // @ts-expect-error Message has no internal ack handle
  ((m: cortado.Message) => m._ack)(undefined as unknown as cortado.Message);
}

export async function rightCalls(): Promise<void> {
  const logger: cortado.Logger = console;
  const options: cortado.ProducerOptions = {
    url: 'pulsar://127.0.0.1:6650',
    topics: ['orders'],
    partitionStrategy: 'murmur3_32',
    compression: 'zstd',
    batchingEnabled: true,
    accessMode: 'Exclusive',
    sendTimeoutMs: 10_000,
    logger,
    logLevel: 'debug',
    schema: { type: 'Json', definition: { type: 'record', name: 'Order', fields: [] } },
  };
  const p = new Producer<MessageId>(options);
  // without the app naming its backend, a receipt is any backend's and must be narrowed
  const anyBackend = new Producer({ topics: ['orders'] });
  const receipt = await anyBackend.produceSync('k', 'v');
  assertType<Equal<typeof receipt, MessageId | cortado.RecordMetadata>>();
  const position: number = receipt instanceof MessageId ? receipt.ledgerId : receipt.offset;
  void position;
  // @ts-expect-error a receipt of unknown backend has no ledgerId until narrowed
  void receipt.ledgerId;
  new Producer({ partitionStrategy: (_topic, _current, partitions, key) => (key ? 1 : 0) % partitions });
  await p.start();
  const sent = await p.produceSync('orders', 'key-1', 'value', {
    properties: { a: 'b' },
    eventTime: new Date(),
    deliverAfter: 1000,
    timeout: 500,
  });
  const where: string = `${sent.topic}/${sent.partition}/${sent.ledgerId}:${sent.entryId}`;
  await p.produceSync('orders', 2, Buffer.from('k'), new Uint8Array([1]));
  await p.produceSync('key', 'value');
  const ids = await p.produceSync(
    'orders',
    [
      { key: 'a', value: 'x' },
      { value: null, properties: { k: 'v' } },
    ],
    { timeout: 1000 },
  );
  await p.produce('orders', null, 'fire and forget');
  await p.close();

  const c = new Consumer({
    topics: ['orders'],
    subscription: 'billing',
    subscriptionType: 'key_shared',
    subscriptionInitialPosition: 'earliest',
    handleMessages: async (messages) => {
      for (const m of messages) void `${m.key}:${m.value.toString()}:${m.properties.a}`;
      return { ack: true };
    },
  });
  await c.start();
  await c.close();
  const iterated = new Consumer({ topics: ['orders'], subscriptionType: 'shared', enableRetry: true });
  for await (const m of iterated) {
    await iterated.reconsumeLater(m, 1000);
    break;
  }
  const retrying = new Consumer({ topics: ['orders'], enableRetry: true, handleMessages: () => ({ retryLaterMs: 500 }) });
  const matched = new Consumer({ topicsPattern: 'orders-.*', patternAutoDiscoveryPeriodMs: 30_000 });
  matched.on('topicsChanged', (e: cortado.TopicsChangedEvent) => void `${e.added.join()} ${e.removed.join()}`);
  void retrying;

  const id = MessageId.fromString('12:34:0:5', 'orders');
  const same = MessageId.deserialize(id.serialize(), 'orders');
  const ordered: boolean = same.equals(id) && id.compareTo(new MessageId('orders', 0, 12, 35)) < 0;
  const events = new EventEmitter<cortado.ProducerEvents>();
  events.on('connected', (e) => void `${e.topic}-${e.partition}`);
  events.on('partitionsChanged', (e) => void (e.to - e.from));
  events.on('fenced', (e) => void e.error.code);
  events.on('error', (err) => void (err.canRetry && err.code === 'TIMEOUT'));
  const channel: string = CHANNELS.send;
  const code: cortado.ErrorCode = 'CONFIG';
  try {
    new Producer({});
  } catch (err) {
    if (err instanceof ConfigError) void `${err.option} ${err.envVar} ${code}`;
  }
  // position: seek by id, time or Date; the Reader's start is one of three forms
  await iterated.seek(id);
  await iterated.seek(Date.now() - 60_000);
  await iterated.seek(new Date());
  // @ts-expect-error seek takes an id, epoch ms or a Date, not text
  await iterated.seek('12:34:0');
  iterated.pause();
  iterated.resume();
  const lasts: cortado.Receipt[] = await iterated.getLastMessageIds();
  await iterated.unsubscribe();
  const r = new Reader({ topic: 'orders', startMessageId: 'earliest', startInclusive: true, readCompacted: false });
  const next: cortado.Message | undefined = await r.readNext(1000);
  const more: boolean = await r.hasMessageAvailable();
  await r.seek(id);
  for await (const m of r) void m.value;
  // @ts-expect-error the start is 'earliest', 'latest' or a MessageId
  new Reader({ topic: 'orders', startMessageId: 'first' });
  // @ts-expect-error a Reader needs its start
  new Reader({ topic: 'orders' });
  const start: cortado.ReaderStart = 'latest';
  void [lasts, next, more, start];
  void [where, ids.length, ordered, channel];
}

// new Admin(...) is the admin of the backend its URL names: Pulsar's by default, Kafka's for a kafka:// URL in code
// (or when named, for CORTADO_URL=kafka://); Client.admin() is either, told apart with instanceof.
export async function adminPerBackend(client: cortado.Client): Promise<void> {
  const pulsar = new Admin({ adminUrl: 'http://127.0.0.1:8080' });
  assertType<Equal<typeof pulsar, cortado.PulsarAdmin>>();
  const kafka = new Admin({ url: 'kafka://127.0.0.1:9092', saslMechanism: 'plain', saslUsername: 'u', saslPassword: 'p' });
  assertType<Equal<typeof kafka, cortado.KafkaAdmin>>();
  const tls = new Admin({ url: 'kafka+ssl://b1:9093,b2:9093', tlsCaFile: '/ca.pem' });
  assertType<Equal<typeof tls, cortado.KafkaAdmin>>();
  const fromEnv = new Admin<cortado.KafkaAdmin>();
  assertType<Equal<typeof fromEnv, cortado.KafkaAdmin>>();
  const n: number = await kafka.partitionCount('orders');
  const leaders: number[] = (await kafka.describeTopic('orders')).partitions.map((p) => p.leader);
  await kafka.createPartitionedTopic('orders', 3);
  await kafka.updatePartitions('orders', 4);
  const names: string[] = await kafka.listTopics();
  await kafka.deleteTopic('orders');
  // @ts-expect-error Kafka's admin has no Pulsar REST stats
  void kafka.partitionedStats;
  // @ts-expect-error a partition count is a number
  await kafka.createPartitionedTopic('orders', '3');
  // @ts-expect-error the type named must be an admin client
  new Admin<string>();
  const any = client.admin();
  assertType<Equal<typeof any, cortado.AnyAdmin>>();
  assertType<Equal<cortado.AnyAdmin, cortado.PulsarAdmin | cortado.KafkaAdmin>>();
  if (any instanceof KafkaAdmin) void any.describeTopic('orders');
  else void any.partitionedStats('orders');
  void [n, leaders, names, pulsar, tls, fromEnv];
}

// Schemas on both sides, and the stats of producers and consumers.
export async function schemasAndStats(): Promise<void> {
  const avro: cortado.SchemaOption = { type: 'Avro', definition: { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] } };
  const proto: cortado.SchemaOption = {
    type: 'ProtobufNative',
    definition: 'syntax = "proto3"; message M { int32 a = 1; }',
    messageType: 'M',
  };
  const p = new Producer({ topics: ['t'], schema: avro });
  await p.produceSync('t', 'k', { a: 1 });
  await p.produceSync('t', 'k', 12n);
  const ps: cortado.ProducerStats = p.stats();
  const latency: cortado.LatencyStats = ps.sendLatencyMs;
  const part: cortado.ProducerPartitionStats | undefined = ps.partitions[0];
  const sent: number = ps.messagesSent + ps.bytesSent + ps.sendFailed + ps.pending + latency.p50 + latency.p99 + latency.max;
  const c = new Consumer({ topics: ['t'], subscription: 's', schema: proto });
  for await (const m of c) {
    const decoded: unknown = m.decoded;
    const bytes: Buffer = m.value;
    void [decoded, bytes];
    break;
  }
  const cs: cortado.ConsumerStats = c.stats();
  const cp: cortado.ConsumerPartitionStats | undefined = cs.partitions[0];
  const got: number = cs.messagesReceived + cs.bytesReceived + cs.acks + cs.nacks + cs.redeliveries + cs.pending;
  // @ts-expect-error partitions is a list of per-partition counters
  cs.partitions = 3;
  // @ts-expect-error the schema type is one of SCHEMA_TYPES
  new Producer({ schema: { type: 'Thrift' } });
  void [part, sent, cp, got];
}

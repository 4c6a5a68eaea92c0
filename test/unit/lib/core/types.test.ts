import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { parseProducerConfig, producerShape } from '../../../../lib/core/config';
import { consumerShape, parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { ConfigError, InvalidArgumentError } from '../../../../lib/core/errors';
import { prepareMessage } from '../../../../lib/core/message';
import type { ClientOptions, ConsumerOptions, ProducerOptions } from '../../../../lib/core/types';
import { kafkaClientShape, kafkaConsumerShape, kafkaProducerShape } from '../../../../lib/kafka/options';
import { pulsarClientShape, pulsarConsumerShape, pulsarProducerShape } from '../../../../lib/pulsar/options';

// the options the interfaces name: the shared ones and every backend's own
const producerSchemaKeys = Object.keys({
  ...producerShape,
  ...pulsarClientShape,
  ...pulsarProducerShape,
  ...kafkaClientShape,
  ...kafkaProducerShape,
});
const consumerSchemaKeys = Object.keys({
  ...consumerShape,
  ...pulsarClientShape,
  ...pulsarConsumerShape,
  ...kafkaClientShape,
  ...kafkaConsumerShape,
});

// One row per key of the hand-written interfaces: the compiler refuses a missing or extra key.
const CLIENT_KEYS = {
  url: true,
  connectionTimeoutMs: true,
  operationTimeoutMs: true,
  keepAliveIntervalMs: true,
  tlsCaFile: true,
  tlsCertFile: true,
  tlsKeyFile: true,
  tlsAllowInsecure: true,
  authToken: true,
  logger: true,
  logLevel: true,
  tlsCa: true,
  tlsCert: true,
  tlsKey: true,
  tlsHostnameVerification: true,
  authTokenFile: true,
  authTokenSupplier: true,
  oauth2IssuerUrl: true,
  oauth2CredentialsFile: true,
  oauth2Audience: true,
  oauth2Scope: true,
  listenerName: true,
  clientId: true,
  saslMechanism: true,
  saslUsername: true,
  saslPassword: true,
  herokuKafkaEnv: true,
} as const satisfies Record<keyof ClientOptions, true>;

const PRODUCER_KEYS = {
  ...CLIENT_KEYS,
  topics: true,
  partitionStrategy: true,
  workerAllocation: true,
  sendTimeoutMs: true,
  producerName: true,
  accessMode: true,
  compression: true,
  batchingEnabled: true,
  batchingMaxMessages: true,
  batchingMaxBytes: true,
  batchingFlushMs: true,
  batchBuilder: true,
  chunkingEnabled: true,
  maxMessageSize: true,
  maxPendingMessages: true,
  startupDelayMs: true,
  startupJitterMs: true,
  partitionsRefreshIntervalMs: true,
  schema: true,
  memoryLimitBytes: true,
  blockIfQueueFull: true,
  initialSequenceId: true,
  acks: true,
  idempotence: true,
  maxInFlightRequests: true,
  retryBackoffMs: true,
} as const satisfies Record<keyof ProducerOptions, true>;

const CONSUMER_KEYS = {
  ...CLIENT_KEYS,
  topics: true,
  subscription: true,
  subscriptionType: true,
  subscriptionInitialPosition: true,
  workerAllocation: true,
  consumerName: true,
  receiverQueueSize: true,
  handlerConcurrency: true,
  handlerTimeoutMs: true,
  maxHandlerBatch: true,
  negativeAckRedeliveryDelayMs: true,
  maxPendingChunkedMessages: true,
  maxPendingChunkedBytes: true,
  chunkExpireMs: true,
  ackGroupTimeMs: true,
  ackGroupMaxSize: true,
  ackTimeoutMs: true,
  ackTimeoutTickTimeMs: true,
  negativeAckRedeliveryBackoff: true,
  deadLetterPolicy: true,
  subscriptionMode: true,
  readCompacted: true,
  batchIndexAckEnabled: true,
  schema: true,
  topicsPattern: true,
  patternAutoDiscoveryPeriodMs: true,
  enableRetry: true,
  closeTimeoutMs: true,
  partitionsRefreshIntervalMs: true,
  sessionTimeoutMs: true,
  heartbeatIntervalMs: true,
  rebalanceTimeoutMs: true,
  offsetCommitIntervalMs: true,
  maxBytes: true,
  maxPartitionBytes: true,
  minBytes: true,
  maxWaitMs: true,
  partitionAssignors: true,
  groupInstanceId: true,
  isolationLevel: true,
  groupProtocol: true,
  handleMessages: true,
} as const satisfies Record<keyof ConsumerOptions, true>;

// Options the Consumer constructor takes itself before the schema sees the rest.
const CONSUMER_CODE_ONLY = ['handleMessages'];

const root = path.join(__dirname, '..', '..', '..', '..', '..');

let BACKEND_FILES: string[] = [];

/** `@default` of each option in lib/core/types.ts and the backend's additions, parsed as JSON where it is a value ('prose' otherwise). */
function documentedDefaults(iface: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of [['lib', 'core', 'types.ts'], ...BACKEND_FILES.map((b) => ['lib', b, 'options.ts'])]) {
    const src = fs.readFileSync(path.join(root, ...file), 'utf8');
    const found = new RegExp(`\\binterface ${iface} [^{]*\\{([\\s\\S]*?)\\n\\s*\\}`).exec(src);
    if (found) collectDefaults(found[1], out);
  }
  return out;
}

function collectDefaults(body: string, out: Map<string, unknown>): void {
  for (const m of body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
    const d = /@default ([^\n*]+?)\s*(?:\*\/|\n|$)/.exec(m[1] + '\n');
    if (!d) continue;
    try {
      out.set(m[2], JSON.parse(d[1].replace(/'/g, '"')));
    } catch {
      out.set(m[2], 'prose');
    }
  }
}

describe('lib/types (public option types)', () => {
  it('name exactly the producer schema keys', () => {
    expect(Object.keys(PRODUCER_KEYS).sort()).to.deep.equal(producerSchemaKeys.sort());
  });

  it('name exactly the consumer schema keys, plus the constructor-only handleMessages', () => {
    const schemaKeys = Object.keys(CONSUMER_KEYS).filter((k) => !CONSUMER_CODE_ONLY.includes(k));
    expect(schemaKeys.sort()).to.deep.equal(consumerSchemaKeys.sort());
  });

  // each backend's defaults against the core interfaces and that backend's additions
  for (const [backend, code] of [
    ['pulsar', {}],
    ['kafka', { url: 'kafka://127.0.0.1:9092' }],
  ] as const) {
    for (const [iface, parents, parse] of [
      ['ProducerOptions', ['ClientOptions'], () => parseProducerConfig(code, {})],
      ['ConsumerOptions', ['ClientOptions'], () => parseConsumerConfig(code, {})],
    ] as const) {
      it(`document in ${iface} the default the ${backend} schema applies, for every option that has one`, () => {
        BACKEND_FILES = [backend];
        const defaults = parse() as Record<string, unknown>;
        const documented = new Map([...parents.flatMap((p) => [...documentedDefaults(p)]), ...documentedDefaults(iface)]);
        // the URL's default is the default backend's; another backend's URL is given here
        if ('url' in code) documented.delete('url');
        const applied = Object.entries(defaults).filter(([k, v]) => v !== undefined && !(k === 'url' && 'url' in code));
        expect(applied.length).to.be.greaterThan(10);
        for (const [key, value] of applied) expect(documented.get(key), key).to.deep.equal(value);
        // and no documented value where the schema applies none
        for (const [key, value] of documented) {
          if (value !== 'prose' && defaults[key] === undefined)
            expect.fail(`${key} documents @default ${JSON.stringify(value)} but has none`);
        }
      });
    }
  }

  it('refuses an unknown option with a ConfigError naming it and the known ones', () => {
    try {
      parseProducerConfig({ sendTimeout: 5 } as unknown as ProducerOptions, {});
      expect.fail('no error');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).option).to.equal('sendTimeout');
      expect((err as Error).message)
        .to.include('"sendTimeout"')
        .and.include('sendTimeoutMs')
        .and.include('batchingEnabled');
    }
    expect(() => parseConsumerConfig({ subscriptionKind: 'shared' } as unknown as ConsumerOptions, {})).to.throw(
      ConfigError,
      /subscriptionKind.*subscriptionType/,
    );
  });

  it('refuses a logger without the four methods and a log level outside the list', () => {
    expect(() => parseProducerConfig({ logger: { info() {} } } as unknown as ProducerOptions, {})).to.throw(
      ConfigError,
      /debug, info, warn and error/,
    );
    expect(() => parseProducerConfig({}, { CORTADO_LOG_LEVEL: 'chatty' })).to.throw(
      ConfigError,
      /CORTADO_LOG_LEVEL.*debug\|info\|warn\|error\|silent/,
    );
    expect(parseProducerConfig({ logger: console }, { CORTADO_LOG_LEVEL: 'WARN' }).logLevel).to.equal('warn');
  });

  it('regression: unknown send options were silently ignored; now an InvalidArgumentError names it and the known ones', () => {
    const opts = { signal: new AbortController().signal } as unknown as Parameters<typeof prepareMessage>[2];
    expect(() => prepareMessage('k', 'v', opts)).to.throw(
      InvalidArgumentError,
      /unknown send option "signal"; send options are timeout, sequenceId, partitionKey/,
    );
    expect(() => prepareMessage('k', 'v', 'fast' as unknown as Parameters<typeof prepareMessage>[2])).to.throw(
      InvalidArgumentError,
      /must be an object/,
    );
    // a list message's own key and value are not options
    expect(prepareMessage('k', 'v', { key: 'k', value: 'v', timeout: 5 } as Parameters<typeof prepareMessage>[2]).payload.length).to.equal(
      1,
    );
  });
});

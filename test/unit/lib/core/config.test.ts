import { expect } from 'chai';
import { parseProducerConfig } from '../../../../lib/core/config';
import { configError } from '../../../support/config-error';
import { envNameOf } from '../../../../lib/core/options';

describe('lib/config', () => {
  it('has defaults for every knob', () => {
    const c = parseProducerConfig({}, {});
    expect(c.url).to.equal('pulsar://127.0.0.1:6650');
    expect(c.topics).to.deep.equal([]);
    expect(c.partitionStrategy).to.equal('md5');
    expect(c.workerAllocation).to.equal('worker_per_topic_partition');
    expect(c.sendTimeoutMs).to.equal(30_000);
    expect(c.batchingEnabled).to.equal(false);
    expect(c.batchingMaxBytes).to.equal(128 * 1024);
    expect(c.chunkingEnabled).to.equal(false);
    expect(c.maxMessageSize).to.equal(5 * 1024 * 1024);
    expect(c.startupDelayMs).to.equal(0);
    expect(c.startupJitterMs).to.equal(0);
    expect(c.partitionsRefreshIntervalMs).to.equal(60_000);
  });

  it('reads CORTADO_<OPTION> variables and lets code override them', () => {
    const env = {
      CORTADO_URL: 'pulsar://broker.example:6650',
      CORTADO_TOPICS: 'a, b ,c',
      CORTADO_PARTITION_STRATEGY: 'round_robin',
      CORTADO_WORKER_ALLOCATION: 'worker_per_partition',
      CORTADO_SEND_TIMEOUT_MS: '1234',
      CORTADO_BATCHING_ENABLED: 'true',
      CORTADO_COMPRESSION: 'LZ4',
      CORTADO_ACCESS_MODE: 'wait_for_exclusive',
    };
    const c = parseProducerConfig({ sendTimeoutMs: 99 }, env);
    expect(c.url).to.equal('pulsar://broker.example:6650');
    expect(c.topics).to.deep.equal(['a', 'b', 'c']);
    expect(c.partitionStrategy).to.equal('round_robin');
    expect(c.workerAllocation).to.equal('worker_per_partition');
    expect(c.sendTimeoutMs).to.equal(99);
    expect(c.batchingEnabled).to.equal(true);
    expect(c.compression).to.equal('lz4');
    expect(c.accessMode).to.equal('WaitForExclusive');
  });

  it('reads the backpressure and sequence id knobs, with the Java client defaults', () => {
    const d = parseProducerConfig({}, {});
    expect([d.memoryLimitBytes, d.blockIfQueueFull, d.initialSequenceId]).to.deep.equal([64 * 1024 * 1024, false, undefined]);
    const c = parseProducerConfig(
      {},
      {
        CORTADO_MEMORY_LIMIT_BYTES: '1024',
        CORTADO_BLOCK_IF_QUEUE_FULL: 'yes',
        CORTADO_INITIAL_SEQUENCE_ID: '41',
        CORTADO_SEND_TIMEOUT_MS: '0',
      },
    );
    expect([c.memoryLimitBytes, c.blockIfQueueFull, c.initialSequenceId, c.sendTimeoutMs]).to.deep.equal([1024, true, 41, 0]);
    expect(configError(() => parseProducerConfig({}, { CORTADO_MEMORY_LIMIT_BYTES: '-1' })).envVar).to.equal('CORTADO_MEMORY_LIMIT_BYTES');
    expect(configError(() => parseProducerConfig({ initialSequenceId: 1.5 }, {})).message).to.include('integer');
  });

  it('names env variables in upper snake case', () => {
    expect(envNameOf('batchingMaxBytes')).to.equal('CORTADO_BATCHING_MAX_BYTES');
    expect(envNameOf('url')).to.equal('CORTADO_URL');
  });

  it('accepts an app function as the partition strategy', () => {
    const fn = () => 0;
    expect(parseProducerConfig({ partitionStrategy: fn }, {}).partitionStrategy).to.equal(fn);
  });

  it('accepts boost_hash by name, from the environment or in code', () => {
    expect(parseProducerConfig({}, { CORTADO_PARTITION_STRATEGY: 'boost_hash' }).partitionStrategy).to.equal('boost_hash');
    expect(parseProducerConfig({ partitionStrategy: 'boost_hash' }, {}).partitionStrategy).to.equal('boost_hash');
  });

  it('refuses an unknown strategy name, naming the variable, value and allowed names', () => {
    const e = configError(() => parseProducerConfig({}, { CORTADO_PARTITION_STRATEGY: 'sha1' }));
    expect(e.envVar).to.equal('CORTADO_PARTITION_STRATEGY');
    expect(e.value).to.equal('sha1');
    expect(e.message).to.include('CORTADO_PARTITION_STRATEGY').and.include('"sha1"').and.include('md5').and.include('round_robin');
  });

  it('refuses a malformed CORTADO_URL', () => {
    for (const url of ['localhost:6650', 'http://x:8080', 'pulsar://', 'pulsar://host:99999', 'pulsar://bad host:1']) {
      const e = configError(() => parseProducerConfig({}, { CORTADO_URL: url }));
      expect(e.envVar).to.equal('CORTADO_URL');
      expect(e.message).to.include('pulsar://host:port');
    }
  });

  it('refuses bad numbers, booleans and enums with the allowed values', () => {
    expect(configError(() => parseProducerConfig({}, { CORTADO_SEND_TIMEOUT_MS: 'soon' })).message).to.include('integer');
    expect(configError(() => parseProducerConfig({}, { CORTADO_BATCHING_ENABLED: 'maybe' })).message).to.include('true|false');
    expect(configError(() => parseProducerConfig({}, { CORTADO_WORKER_ALLOCATION: 'one' })).message).to.include(
      'worker_per_topic_partition|worker_per_partition',
    );
    expect(configError(() => parseProducerConfig({}, { CORTADO_COMPRESSION: 'brotli' })).message).to.include('none|lz4|zlib|snappy|zstd');
    expect(configError(() => parseProducerConfig({}, { CORTADO_ACCESS_MODE: 'solo' })).message).to.include(
      'Shared|Exclusive|WaitForExclusive|ExclusiveWithFencing',
    );
    expect(configError(() => parseProducerConfig({ sendTimeoutMs: -5 }, {})).option).to.equal('sendTimeoutMs');
  });

  it('refuses unknown options in code', () => {
    expect(configError(() => parseProducerConfig({ nope: 1 } as never, {})).message).to.include('unknown option');
  });

  it('refuses chunking together with batching', () => {
    const e = configError(() => parseProducerConfig({ chunkingEnabled: true, batchingEnabled: true }, {}));
    expect(e.message).to.include('chunkingEnabled and batchingEnabled');
  });
});

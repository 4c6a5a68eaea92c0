import { expect } from 'chai';
import { parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { configError } from '../../../support/config-error';
import '../../../../lib/backends';
import { rebalanceProtocolOf } from '../../../../lib/kafka/group-coordinator';
import type { KafkaConsumerConfig } from '../../../../lib/kafka/consumer-session';

const parse = (code: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  parseConsumerConfig({ url: 'kafka://127.0.0.1:9092', topics: ['t'], subscription: 'g', ...code }, env) as unknown as KafkaConsumerConfig;

describe('lib/kafka consumer group options', () => {
  it('defaults as the Java 4.x client: assignors [range, cooperative-sticky] (eager), classic protocol, read_uncommitted, no instance id', () => {
    const c = parse({});
    expect(c.partitionAssignors).to.deep.equal(['range', 'cooperative-sticky']);
    expect(rebalanceProtocolOf(c.partitionAssignors)).to.equal('eager');
    expect(c.groupProtocol).to.equal('classic');
    expect(c.isolationLevel).to.equal('read_uncommitted');
    expect(c.groupInstanceId).to.equal(undefined);
  });

  it('reads CORTADO_PARTITION_ASSIGNORS, CORTADO_GROUP_INSTANCE_ID, CORTADO_ISOLATION_LEVEL and CORTADO_GROUP_PROTOCOL', () => {
    const c = parse(
      {},
      {
        CORTADO_PARTITION_ASSIGNORS: 'cooperative-sticky',
        CORTADO_GROUP_INSTANCE_ID: 'billing-1',
        CORTADO_ISOLATION_LEVEL: 'READ_COMMITTED',
        CORTADO_GROUP_PROTOCOL: 'consumer',
      },
    );
    expect(c.partitionAssignors).to.deep.equal(['cooperative-sticky']);
    expect(rebalanceProtocolOf(c.partitionAssignors)).to.equal('cooperative');
    expect(c.groupInstanceId).to.equal('billing-1');
    expect(c.isolationLevel).to.equal('read_committed');
    expect(c.groupProtocol).to.equal('consumer');
  });

  it('bad values are a ConfigError naming the option and the allowed values', () => {
    expect(configError(() => parse({ partitionAssignors: ['sticky'] })).message).to.match(/partitionAssignors.*range\|cooperative-sticky/s);
    expect(configError(() => parse({ partitionAssignors: [] })).message).to.match(/partitionAssignors.*one or more/s);
    expect(configError(() => parse({}, { CORTADO_PARTITION_ASSIGNORS: 'range,range' })).message).to.match(/partitionAssignors.*once/s);
    expect(configError(() => parse({ isolationLevel: 'committed' as never })).message).to.match(
      /isolationLevel.*read_uncommitted\|read_committed/s,
    );
    expect(configError(() => parse({ groupProtocol: 'kip848' as never })).message).to.match(/groupProtocol.*classic\|consumer/s);
    expect(configError(() => parse({ groupInstanceId: '' })).message).to.match(/groupInstanceId/);
  });

  it('the Kafka group options with a Pulsar URL are a ConfigError naming them', () => {
    const err = configError(() =>
      parseConsumerConfig({ url: 'pulsar://127.0.0.1:6650', topics: ['t'], subscription: 's', groupInstanceId: 'x' }, {}),
    );
    expect(err.message).to.match(/groupInstanceId/);
  });
});

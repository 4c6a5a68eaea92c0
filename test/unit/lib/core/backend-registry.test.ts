import { expect } from 'chai';
import { z } from 'zod';
import type { BackendFactory } from '../../../../lib/core/backend';
import { registerBackend, registeredBackends } from '../../../../lib/core/backend-registry';
import { parseProducerConfig } from '../../../../lib/core/config';
import { parseConsumerConfig } from '../../../../lib/core/consumer-config';
import { Producer } from '../../../../lib/core/producer';
import { configError } from '../../../support/config-error';

// A second engine as the registry sees it: its schemes and options, never opened here.
const other: BackendFactory = {
  name: 'otherengine',
  schemes: ['other'],
  defaultUrl: 'other://127.0.0.1:1',
  options: { client: {}, producer: { lingerOnlyHere: z.number().optional() }, consumer: { groupOnlyHere: z.string().optional() } },
  checkUrl: () => undefined,
  open: () => {
    throw new Error('not opened in this test');
  },
};

describe('lib/core/backend-registry (backends chosen by URL scheme)', () => {
  let unregister: () => void;
  before(() => (unregister = registerBackend(other)));
  after(() => unregister());

  it('picks the backend from the scheme; Pulsar is the default', () => {
    expect(registeredBackends().map((f) => f.name)).to.include.members(['pulsar', 'otherengine']);
    expect(parseProducerConfig({}, {}).url).to.equal('pulsar://127.0.0.1:6650');
    expect(parseProducerConfig({ url: 'other://x:1' }, {}).url).to.equal('other://x:1');
  });

  it('refuses an unknown scheme with a ConfigError listing the known ones', () => {
    const e = configError(() => parseProducerConfig({ url: 'amqp://127.0.0.1:5672' }, {}));
    expect(e.option).to.equal('url');
    expect(e.message).to.include('amqp://').and.include('pulsar://host:port').and.include('pulsar+ssl://host:port').and.include('other://');
  });

  it('refuses an option only another backend has, naming the option and both backends (code and env)', () => {
    const e = configError(() => parseProducerConfig({ url: 'pulsar://127.0.0.1:6650', lingerOnlyHere: 5 } as never, {}));
    expect(e.option).to.equal('lingerOnlyHere');
    expect(e.message).to.include('lingerOnlyHere').and.include('otherengine option').and.include('pulsar backend');
    const fromEnv = configError(() => parseConsumerConfig({}, { CORTADO_GROUP_ONLY_HERE: 'g' }));
    expect(fromEnv.envVar).to.equal('CORTADO_GROUP_ONLY_HERE');
    expect(fromEnv.message).to.include('otherengine option');
    // and the other way round: a Pulsar-only option with the other backend's URL
    const pulsarOnly = configError(() => parseProducerConfig({ url: 'other://x:1', accessMode: 'Exclusive' }, {}));
    expect(pulsarOnly.message).to.include('accessMode is a pulsar option').and.include('otherengine backend');
    expect(() => new Producer({ url: 'other://x:1', chunkingEnabled: true }, {})).to.throw(/chunkingEnabled is a pulsar option/);
  });

  it('still calls an option no backend has unknown', () => {
    expect(configError(() => parseProducerConfig({ nope: 1 } as never, {})).message).to.include('unknown option');
  });
});

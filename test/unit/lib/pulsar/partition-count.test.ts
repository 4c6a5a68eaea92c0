import { expect } from 'chai';
import { Producer, MessageId } from '../../../../lib';
import { ConnectionPool } from '../../../../lib/pulsar/connection-pool';
import { Consumer } from '../../../../lib/core/consumer';
import { ProtocolError } from '../../../../lib/core/errors';
import { LookupService, MAX_PARTITIONS } from '../../../../lib/pulsar/lookup-service';
import { ScriptedBroker } from '../../../support/scripted-broker';

const HOSTILE = 4_294_967_295;

describe('defect 12: a broker partition count is trusted', () => {
  let peer: ScriptedBroker;
  let pool: ConnectionPool;

  beforeEach(async () => {
    peer = await ScriptedBroker.start({ partitions: { hostile: HOSTILE, largest: MAX_PARTITIONS } });
    pool = new ConnectionPool({ connectTimeoutMs: 2000, operationTimeoutMs: 2000, keepAliveIntervalMs: 60_000, clientVersion: 'test' });
  });

  afterEach(async () => {
    await pool.close();
    await peer.stop();
  });

  it('PARTITIONED_METADATA answering 4294967295 is a typed error naming the allowed range', async () => {
    const lookup = new LookupService(pool, [{ host: '127.0.0.1', port: peer.port, tls: false }]);
    const e = await lookup.partitionCount('hostile').catch((x) => x);
    expect(e).to.be.instanceOf(ProtocolError);
    expect(e.code).to.equal('PROTOCOL');
    expect(e.message).to.include('4294967295 partitions').and.include(`0 to ${MAX_PARTITIONS}`);
    expect(await lookup.partitionCount('largest')).to.equal(MAX_PARTITIONS);
  });

  it('Producer.start() and Consumer.start() reject with it instead of exhausting the heap', async () => {
    const p = new Producer<MessageId>({ url: peer.url, topics: ['hostile'] }, {});
    expect(await p.start().catch((x) => x)).to.be.instanceOf(ProtocolError);
    await p.close();
    const c = new Consumer({ url: peer.url, topics: ['hostile'] }, {});
    expect(await c.start().catch((x) => x)).to.be.instanceOf(ProtocolError);
    await c.close();
    // nothing got as far as registering a producer or a consumer
    expect(peer.count('LOOKUP')).to.equal(0);
  });
});

import { expect } from 'chai';
import '../../../../lib';
import { Consumer, ConsumerOptions } from '../../../../lib/core/consumer';
import { CortadoError } from '../../../../lib/core/errors';
import type { PartitionsChangedEvent } from '../../../../lib/core/events';
import type { Message } from '../../../../lib/core/received-message';
import { CommandType } from '../../../../protocol/pulsar/proto';
import { ScriptedBroker, ServerError } from '../../../support/scripted-broker';
import { ScriptedConsumers } from '../../../support/scripted-consumers';

const T = 'persistent://public/default/t';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Issue 16: the producer routed to partitions added after start, the consumer never read them.
describe('defect: a running consumer never subscribed to partitions added after start', function () {
  this.timeout(20_000);
  let peer: ScriptedBroker;
  // the peer reads this object on every PARTITIONED_METADATA, so a test grows the topic by writing to it
  let counts: Record<string, number>;
  const consumers = new ScriptedConsumers({ topics: [T], operationTimeoutMs: 2000, closeTimeoutMs: 2000, partitionsRefreshIntervalMs: 0 });

  beforeEach(async () => {
    counts = { t: 2 };
    peer = await ScriptedBroker.start({ partitions: counts });
  });

  afterEach(() => consumers.end(peer));

  async function consumer(opts: ConsumerOptions = {}): Promise<{ c: Consumer; changes: PartitionsChangedEvent[] }> {
    const c = consumers.make(peer, opts);
    const changes: PartitionsChangedEvent[] = [];
    c.on('partitionsChanged', (e) => changes.push(e));
    await c.start();
    return { c, changes };
  }

  const next = (c: Consumer, ms = 3000): Promise<Message | undefined> => c.receiveWithin(ms);

  const subscribed = () => peer.consumers.map((r) => r.topic).sort();

  it('refreshPartitions() subscribes the added partitions, delivers from them and emits partitionsChanged once', async () => {
    const { c, changes } = await consumer();
    expect(subscribed()).to.deep.equal(['t-partition-0', 't-partition-1']);
    await c.refreshPartitions();
    expect(changes, 'no change, no event').to.deep.equal([]);
    expect(peer.count('SUBSCRIBE')).to.equal(2);

    counts.t = 4;
    await c.refreshPartitions();
    expect(changes).to.deep.equal([{ topic: T, from: 2, to: 4 }]);
    expect(subscribed()).to.deep.equal(['t-partition-0', 't-partition-1', 't-partition-2', 't-partition-3']);

    peer.publish('t-partition-3', { key: 'k3', value: 'on 3' });
    const m = await next(c);
    expect(m?.partition).to.equal(3);
    expect(m?.value.toString()).to.equal('on 3');
    c.ack(m!);

    // a second refresh at the same count subscribes nothing again
    await Promise.all([c.refreshPartitions(), c.refreshPartitions()]);
    expect(peer.count('SUBSCRIBE')).to.equal(4);
    expect(changes).to.have.length(1);
  });

  it('the partitionsRefreshIntervalMs timer finds the new partitions by itself, and stops with close()', async () => {
    const { c, changes } = await consumer({ partitionsRefreshIntervalMs: 100 });
    counts.t = 3;
    await peer.waitUntil(() => changes.length > 0, 5000);
    expect(changes).to.deep.equal([{ topic: T, from: 2, to: 3 }]);
    peer.publish('t-partition-2', { value: 'on 2' });
    expect((await next(c))?.partition).to.equal(2);
    await c.close();
    const asked = peer.count('PARTITIONED_METADATA');
    await sleep(400);
    expect(peer.count('PARTITIONED_METADATA'), 'no refresh after close').to.equal(asked);
  });

  it('a refresh that fails does not crash: warns, emits error only to a listener, and the next one succeeds', async () => {
    const { c, changes } = await consumer();
    counts.t = 4;
    peer.once('PARTITIONED_METADATA', (_cmd, reply) => reply.error(ServerError.AuthorizationError, 'scripted refusal'));
    // no 'error' listener: an EventEmitter would throw on emit('error') if the refresh emitted it
    await c.refreshPartitions();
    expect(changes).to.deep.equal([]);

    const errors: CortadoError[] = [];
    c.on('error', (e) => errors.push(e));
    peer.once('PARTITIONED_METADATA', (_cmd, reply) => reply.error(ServerError.AuthorizationError, 'scripted refusal'));
    await c.refreshPartitions();
    expect(errors).to.have.length(1);
    expect(errors[0].message).to.include('scripted refusal');

    // the partitions already subscribed kept delivering
    peer.publish('t-partition-0', { value: 'still here' });
    expect((await next(c))?.value.toString()).to.equal('still here');

    await c.refreshPartitions();
    expect(changes).to.deep.equal([{ topic: T, from: 2, to: 4 }]);
    expect(subscribed()).to.have.length(4);
  });

  it('a new partition whose SUBSCRIBE is refused is tried again at the next refresh; the event waits for all of them', async () => {
    const { c, changes } = await consumer();
    const errors: CortadoError[] = [];
    c.on('error', (e) => errors.push(e));
    counts.t = 4;
    peer.once('SUBSCRIBE', (_cmd, reply) => reply.error(ServerError.AuthorizationError, 'scripted refusal'));
    await c.refreshPartitions();
    expect(errors).to.have.length(1);
    expect(changes).to.deep.equal([]);
    expect(subscribed()).to.have.length(3);

    await c.refreshPartitions();
    expect(errors).to.have.length(1);
    expect(changes).to.deep.equal([{ topic: T, from: 2, to: 4 }]);
    expect(subscribed()).to.deep.equal(['t-partition-0', 't-partition-1', 't-partition-2', 't-partition-3']);
    // 2 at start, 2 tried (one refused), 1 again
    expect(peer.count('SUBSCRIBE')).to.equal(5);
  });
  it('a partition added while a nack redelivery is pending: the nacked message comes again once, on its own partition, and the new partition delivers', async () => {
    const { c, changes } = await consumer({ subscriptionType: 'shared', negativeAckRedeliveryDelayMs: 400 });
    peer.publish('t-partition-1', { key: 'k', value: 'nack me' });
    const first = await next(c);
    expect(first?.partition).to.equal(1);
    c.nack(first!);

    // the topic grows before the redelivery is due
    counts.t = 3;
    await c.refreshPartitions();
    expect(changes).to.deep.equal([{ topic: T, from: 2, to: 3 }]);
    const redelivers = () => peer.received.filter((r) => r.command.type === CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES);
    expect(redelivers(), 'not yet due').to.have.length(0);

    peer.publish('t-partition-2', { value: 'on the new partition' });
    const got: Message[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await next(c);
      if (m) {
        got.push(m);
        c.ack(m);
      }
    }
    const again = got.find((m) => m.value.toString() === 'nack me');
    expect(again?.partition).to.equal(1);
    expect(again?.redeliveryCount).to.equal(1);
    expect(got.find((m) => m.partition === 2)?.value.toString()).to.equal('on the new partition');
    // one REDELIVER, to partition 1's consumer, naming the nacked message only
    expect(redelivers()).to.have.length(1);
    const partition1 = peer.consumers.find((r) => r.topic === 't-partition-1')!;
    expect(redelivers()[0].command.redeliverUnacknowledgedMessages.consumerId).to.equal(partition1.id);
    expect(redelivers()[0].command.redeliverUnacknowledgedMessages.messageIds).to.have.length(1);
    expect(await next(c, 600), 'no second copy').to.equal(undefined);
  });
});

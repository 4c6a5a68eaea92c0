import { expect } from 'chai';
import * as net from 'net';
import { Producer, MessageId } from '../../../lib';
import { Connection } from '../../../lib/pulsar/connection';
import { Consumer } from '../../../lib/core/consumer';
import { BrokerError, ConnectionError, TimeoutError, TopicError } from '../../../lib/core/errors';
import type { Message } from '../../../lib/pulsar/received-message';
import { connectFrame, partitionedMetadataFrame, producerFrame, SendArgs, sendFrame } from '../../../protocol/pulsar/commands';
import { FrameDecoder } from '../../../protocol/pulsar/frame';
import { AccessMode, CommandType, encodeMessageMetadata } from '../../../protocol/pulsar/proto';
import { brokerFrames, ScriptedBroker, ServerError } from '../../support/scripted-broker';

const connOptions = { connectTimeoutMs: 2000, operationTimeoutMs: 500, keepAliveIntervalMs: 60_000, clientVersion: 'test' };
const local = (peer: ScriptedBroker) => ({ host: '127.0.0.1', port: peer.port, tls: false });

// The peer itself, exercised with the real client code: its default answers, its hooks and its store.
describe('test/support/scripted-broker', () => {
  let peer: ScriptedBroker;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    peer = await ScriptedBroker.start({ partitions: { parted: 3 }, maxMessageSize: 64 * 1024 });
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
    await peer.stop();
    // nothing the client sent confused the peer, and no hook threw
    expect(peer.errors).to.deep.equal([]);
  });

  function producer(topics: string[], opts: Record<string, unknown> = {}): Producer<MessageId> {
    const p = new Producer<MessageId>({ url: peer.url, topics, sendTimeoutMs: 3000, operationTimeoutMs: 3000, ...opts }, {});
    cleanups.push(() => p.close());
    return p;
  }

  function consumer(topic: string, opts: Record<string, unknown> = {}): Consumer {
    const c = new Consumer({ url: peer.url, topics: [topic], subscription: 'sub', operationTimeoutMs: 3000, ...opts }, {});
    cleanups.push(() => c.close());
    return c;
  }

  describe('producer side', () => {
    it('answers a Producer: CONNECT, PARTITIONED_METADATA, LOOKUP, PRODUCER, then receipts in order with a log of every SEND', async () => {
      const p = producer(['plain']);
      await p.start();
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await p.produceSync('plain', `k${i}`, `v${i}`));
      expect(ids.map((id) => [id.ledgerId, id.entryId])).to.deep.equal([
        [1, 0],
        [1, 1],
        [1, 2],
      ]);
      expect(peer.count('CONNECT')).to.equal(1);
      expect(peer.count('PARTITIONED_METADATA')).to.equal(1);
      expect(peer.count('LOOKUP')).to.equal(1);
      expect(peer.producers.map((r) => r.topic)).to.deep.equal(['plain']);
      expect(peer.sends.map((s) => [s.sequenceId, s.metadata.partitionKey, s.payload.toString(), s.checksumOk, s.isChunk])).to.deep.equal([
        [0, 'k0', 'v0', true, false],
        [1, 'k1', 'v1', true, false],
        [2, 'k2', 'v2', true, false],
      ]);
      expect(peer.sends[0].topic).to.equal('plain');
      expect(peer.topic('plain').entries).to.have.length(3);
    });

    it('announces the configured partition count and max_message_size', async () => {
      const p = producer(['parted']);
      await p.start();
      expect(p.partitionsOf('parted')).to.equal(3);
      expect(peer.producers.map((r) => r.topic).sort()).to.deep.equal(['parted-partition-0', 'parted-partition-1', 'parted-partition-2']);
      const big = await p.produceSync('parted', 0, 'k', Buffer.alloc(70 * 1024)).catch((e) => e);
      expect(big.code).to.equal('MESSAGE_TOO_LARGE');
      expect(big.limit).to.equal(64 * 1024);
    });

    it('logs a batch SEND with num_messages and highest_sequence_id', async () => {
      const p = producer(['batched'], { batchingEnabled: true, batchingFlushMs: 5 });
      await p.start();
      await Promise.all([p.produce('batched', 'k', 'a'), p.produce('batched', 'k', 'b'), p.produce('batched', 'k', 'c')]);
      expect(peer.sends).to.have.length(1);
      expect(peer.sends[0]).to.include({ sequenceId: 0, numMessages: 3, highestSequenceId: 2 });
      expect(peer.sends[0].metadata.numMessagesInBatch).to.equal(3);
    });

    it("turns a hook's SEND_ERROR into the caller's typed error; a once hook answers only the next command", async () => {
      peer.once('SEND', (_cmd, reply) => reply.error(ServerError.NotAllowedError, 'not here'));
      const p = producer(['refused']);
      await p.start();
      const e = await p.produceSync('refused', 'k', 'v').catch((x) => x);
      expect(e).to.be.instanceOf(TopicError);
      expect(e.serverError).to.equal('NotAllowedError');
      expect(e.message).to.include('not here');
      const ok = await p.produceSync('refused', 'k', 'v');
      expect(ok.entryId).to.equal(0);
      expect(peer.sends).to.have.length(2);
    });

    it("turns a hook's ERROR to PRODUCER into start()'s typed error", async () => {
      peer.on('PRODUCER', (_cmd, reply) => reply.error(ServerError.TopicNotFound, 'no such topic'));
      const e = await producer(['missing'])
        .start()
        .catch((x) => x);
      expect(e).to.be.instanceOf(TopicError);
      expect(e.serverError).to.equal('TopicNotFound');
    });

    // a producer registered by hand on a real Connection, recording the SEND_ERRORs it hears
    async function rawProducer(producerId: number) {
      const conn = await Connection.connect(local(peer), connOptions);
      cleanups.push(async () => conn.destroy());
      await conn.request(
        (id) => producerFrame({ topic: 't', producerId, requestId: id, userProvidedName: false, epoch: 0, accessMode: AccessMode.Shared }),
        'producer',
      );
      const errors: Array<[number, number]> = [];
      conn.addProducer(producerId, {
        onSendReceipt: () => undefined,
        onSendError: (cmd) => void errors.push([cmd.sendError.sequenceId, cmd.sendError.error]),
        onCloseProducer: () => undefined,
        onConnectionClosed: () => undefined,
      });
      return { conn, errors };
    }

    it('answers a SEND with a bad checksum with SEND_ERROR ChecksumError, as a broker does', async () => {
      const { conn, errors } = await rawProducer(9);
      const bad = Buffer.concat(peerSend({ producerId: 9, sequenceId: 0 }));
      bad[bad.length - 1] ^= 1;
      conn.write(bad);
      await peer.waitUntil(() => errors.length > 0);
      expect(errors).to.deep.equal([[0, ServerError.ChecksumError]]);
      expect(peer.sends[0].checksumOk).to.equal(false);
    });

    it("reports a batch's SEND_ERROR under its highest sequence id, as a broker does", async () => {
      peer.on('SEND', (_cmd, reply) => reply.error(ServerError.PersistenceError));
      const { conn, errors } = await rawProducer(3);
      conn.write(peerSend({ producerId: 3, sequenceId: 10, numMessages: 3, highestSequenceId: 12 }));
      await peer.waitUntil(() => errors.length > 0);
      expect(errors).to.deep.equal([[12, ServerError.PersistenceError]]);
      expect(peer.sends[0]).to.include({ sequenceId: 10, numMessages: 3, highestSequenceId: 12 });
    });

    it('sends CLOSE_PRODUCER on demand and the producer registers again', async () => {
      const p = producer(['unloaded']);
      await p.start();
      expect(peer.closeProducer('unloaded')).to.equal(1);
      await peer.waitFor('PRODUCER', 2);
      const id = await p.produceSync('unloaded', 'k', 'v');
      expect(id.entryId).to.equal(0);
      expect(peer.connections).to.equal(1);
    });

    it('closeAll() drops every connection; the client comes back on a new one', async () => {
      const p = producer(['dropped']);
      await p.start();
      peer.closeAll();
      await peer.waitFor('PRODUCER', 2);
      await p.produceSync('dropped', 'k', 'v');
      expect(peer.connections).to.equal(2);
      expect(peer.openConnections).to.equal(1);
    });
  });

  describe('hooks', () => {
    it('delays an answer, and stays silent when the hook answers nothing', async () => {
      const conn = await Connection.connect(local(peer), connOptions);
      cleanups.push(async () => conn.destroy());
      peer.once('PARTITIONED_METADATA', (_cmd, reply) => reply.delay(100).ok({ partitions: 5 }));
      peer.once('PARTITIONED_METADATA', () => undefined);
      const delayed = conn.request((id) => partitionedMetadataFrame('a', id), 'delayed');
      const silent = conn.request((id) => partitionedMetadataFrame('b', id), 'silent').catch((x) => x);
      expect((await delayed).partitionMetadataResponse.partitions).to.equal(5);
      expect(await silent).to.be.instanceOf(TimeoutError);
    });

    it('drops the socket before answering, or right after the answer', async () => {
      const conn = await Connection.connect(local(peer), connOptions);
      peer.once('PARTITIONED_METADATA', (_cmd, reply) => reply.destroy());
      const e = await conn.request((id) => partitionedMetadataFrame('a', id), 'dropped').catch((x) => x);
      expect(e).to.be.instanceOf(ConnectionError);

      const again = await Connection.connect(local(peer), connOptions);
      const closed = new Promise((r) => again.once('close', r));
      peer.once('PARTITIONED_METADATA', (_cmd, reply) => reply.andDestroy().ok({ partitions: 2 }));
      const res = await again.request((id) => partitionedMetadataFrame('a', id), 'answered then dropped');
      expect(res.partitionMetadataResponse.partitions).to.equal(2);
      expect(await closed).to.be.instanceOf(ConnectionError);
      await peer.waitUntil(() => peer.openConnections === 0);
    });

    it('answers Failed to PARTITIONED_METADATA and a retriable ERROR to PRODUCER', async () => {
      const conn = await Connection.connect(local(peer), connOptions);
      cleanups.push(async () => conn.destroy());
      peer.on('PARTITIONED_METADATA', (_cmd, reply) => reply.error(ServerError.TooManyRequests));
      const res = await conn.request((id) => partitionedMetadataFrame('a', id), 'metadata');
      expect(res.partitionMetadataResponse).to.include({ response: 1, error: ServerError.TooManyRequests });
      peer.off('PARTITIONED_METADATA');
      peer.on('PRODUCER', (_cmd, reply) => reply.error(ServerError.ServiceNotReady));
      const e = await conn
        .request(
          (id) =>
            producerFrame({ topic: 't', producerId: 1, requestId: id, userProvidedName: false, epoch: 0, accessMode: AccessMode.Shared }),
          'producer',
        )
        .catch((x) => x);
      expect(e).to.be.instanceOf(BrokerError);
      expect(e.canRetry).to.equal(true);
    });

    it('writes CLOSE_PRODUCER in the same TCP write as PRODUCER_SUCCESS and forgets the producer', async () => {
      peer.on('PRODUCER', (_cmd, reply) => reply.andCloseProducer().ok());
      const sock = net.connect(peer.port, '127.0.0.1');
      cleanups.push(async () => sock.destroy());
      const reads: Buffer[] = [];
      sock.on('data', (b) => reads.push(b));
      sock.write(connectFrame({ clientVersion: 'raw' }));
      await peer.waitFor('CONNECT');
      await peer.waitUntil(() => reads.length === 1);
      sock.write(
        producerFrame({ topic: 't', producerId: 4, requestId: 1, userProvidedName: false, epoch: 0, accessMode: AccessMode.Shared }),
      );
      await peer.waitUntil(() => reads.length >= 2);
      const frames = new FrameDecoder().push(reads[1]);
      expect(frames.map((f) => f.command.type)).to.deep.equal([CommandType.PRODUCER_SUCCESS, CommandType.CLOSE_PRODUCER]);
      expect(frames[1].command.closeProducer.producerId).to.equal(4);
      expect(peer.producers).to.deep.equal([]);
      // a SEND for the forgotten producer is logged and left unanswered, as a broker does
      sock.write(Buffer.concat(peerSend({ producerId: 4, sequenceId: 0 })));
      await peer.waitFor('SEND');
      sock.write(brokerFrames.ping());
      await peer.waitUntil(() => reads.length >= 3);
      expect(new FrameDecoder().push(Buffer.concat(reads.slice(2))).map((f) => f.command.type)).to.deep.equal([CommandType.PONG]);
      expect(peer.sends[0].topic).to.equal(undefined);
    });

    it('follows a LOOKUP redirect to a second peer', async () => {
      const other = await ScriptedBroker.start();
      cleanups.push(() => other.stop());
      peer.on('LOOKUP', (_cmd, reply) => reply.redirect(other.url));
      const p = producer(['moved']);
      await p.start();
      await p.produceSync('moved', 'k', 'v');
      expect(other.sends).to.have.length(1);
      expect(peer.sends).to.have.length(0);
    });
  });

  describe('consumer side', () => {
    it('dispatches stored messages within FLOW permits and logs the acks', async () => {
      const c = consumer('queue', { receiverQueueSize: 2 });
      await c.start();
      const sub = peer.topic('queue').subscriptions.get('sub')!;
      for (let i = 0; i < 5; i++) peer.publish('queue', { value: `m${i}`, key: `k${i}` });
      await peer.waitUntil(() => sub.unacked.size === 2);
      // no permits left: the rest waits on the broker side
      expect(sub.pending).to.have.length(3);
      expect(peer.consumers[0].permits).to.equal(0);
      const got: Message[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await c.receive();
        got.push(r.value);
        c.ack(r.value);
      }
      expect(got.map((m) => [m.value.toString(), m.key])).to.deep.equal([0, 1, 2, 3, 4].map((i) => [`m${i}`, `k${i}`]));
      await peer.waitUntil(() => sub.unacked.size === 0 && peer.acks.length > 0);
      const acked = peer.acks.flatMap((a) => a.messageIds.map((id) => id.entryId)).sort();
      expect(acked).to.deep.equal([0, 1, 2, 3, 4]);
      expect(peer.count('FLOW')).to.be.greaterThan(1);
    });

    it('delivers batched and chunked entries and a corrupt one the client skips', async () => {
      const c = consumer('mixed', { receiverQueueSize: 10 });
      const skipped: string[] = [];
      c.on('skip', (reason: string) => skipped.push(reason));
      await c.start();
      peer.publishBatch('mixed', [{ value: 'b0' }, { value: 'b1', key: 'x' }]);
      peer.publishChunked('mixed', 'lost', 2, { omitChunks: [1] });
      peer.publishChunked('mixed', 'abcdefgh', 3);
      peer.publish('mixed', { value: 'broken', corrupt: true });
      peer.publish('mixed', { value: 'after' });
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push((await c.receive()).value.value.toString());
      expect(got).to.deep.equal(['b0', 'b1', 'abcdefgh', 'after']);
      expect(skipped[0]).to.include('CRC-32C');
      await peer.waitUntil(() => peer.acks.some((a) => a.validationError === 2));
    });

    it('puts unacknowledged messages back when the consumer drops, and sends CLOSE_CONSUMER on demand', async () => {
      const c = consumer('again', { receiverQueueSize: 10, subscriptionInitialPosition: 'earliest' });
      peer.publish('again', { value: 'one' });
      await c.start();
      const first = await c.receive();
      expect(first.value.value.toString()).to.equal('one');
      expect(peer.closeConsumer('again')).to.equal(1);
      await peer.waitFor('SUBSCRIBE', 2);
      const second = await c.receive();
      expect(second.value.value.toString()).to.equal('one');
      c.ack(second.value);
      await peer.waitUntil(() => peer.acks.length === 1);
    });

    it('refuses a second exclusive consumer with ConsumerBusy', async () => {
      await consumer('solo').start();
      const e = await consumer('solo')
        .start()
        .catch((x) => x);
      expect(e).to.be.instanceOf(BrokerError);
      expect(e.serverError).to.equal('ConsumerBusy');
    });
  });
});

function peerSend(send: SendArgs): [Buffer, Uint8Array] {
  return sendFrame(send, encodeMessageMetadata({ producerName: 'p', sequenceId: send.sequenceId, publishTime: 1 }), Buffer.from('x'));
}

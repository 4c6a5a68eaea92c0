import { expect } from 'chai';
import * as diagnostics_channel from 'node:diagnostics_channel';
import { EventEmitter } from 'events';
import { CHANNELS, HandlerStateEvent, ReceiveEvent, SendEvent, traceSend, tracedSettle } from '../../../../lib/core/diagnostics';
import { traceReceive } from '../../../../lib/pulsar/trace';
import { BrokerError, ConnectionError, ProducerFencedError } from '../../../../lib/core/errors';
import { partitionEvents, ProducerEvents } from '../../../../lib/core/events';

function listen<M>(name: string): { seen: M[]; stop(): void } {
  const seen: M[] = [];
  const fn = (m: unknown) => void seen.push(structuredClone(m) as M);
  diagnostics_channel.subscribe(name, fn);
  return { seen, stop: () => diagnostics_channel.unsubscribe(name, fn) };
}

const change = (from: HandlerStateEvent['from'], to: HandlerStateEvent['to'], error?: HandlerStateEvent['error']): HandlerStateEvent => ({
  topic: 't-partition-1',
  from,
  to,
  error,
});

describe('lib/events and send/receive tracing', () => {
  it('turns handler state changes into connected, reconnecting, fenced and error events', () => {
    const e = new EventEmitter<ProducerEvents>();
    const got: string[] = [];
    e.on('connected', (ev) => got.push(`connected ${ev.topic}/${ev.partition}`));
    e.on('reconnecting', (ev) => got.push(`reconnecting ${ev.error?.code}`));
    e.on('fenced', (ev) => got.push(`fenced ${ev.error.code}`));
    const on = partitionEvents(e, 't', 1);
    on(change('idle', 'connecting'));
    on(change('connecting', 'ready'));
    on(change('ready', 'connecting', new ConnectionError('lost')));
    on(change('connecting', 'ready'));
    on(change('ready', 'failed', new ProducerFencedError('fenced')));
    // an unheard failure must not throw (EventEmitter throws an 'error' with no listener)
    expect(() => on(change('connecting', 'failed', new BrokerError('no', 'TopicNotFound')))).to.not.throw();
    const errors: string[] = [];
    e.on('error', (err) => errors.push(err.message));
    on(change('connecting', 'failed', new BrokerError('gone', 'TopicNotFound')));
    expect(got).to.deep.equal(['connected t/1', 'reconnecting CONNECTION', 'connected t/1', 'fenced PRODUCER_FENCED']);
    expect(errors).to.deep.equal(['gone']);
  });

  it('traces a send as start then end on cortado:send, and does nothing unobserved', () => {
    expect(traceSend('t', 0, 3)).to.equal(undefined);
    const ch = listen<SendEvent>(CHANNELS.send);
    try {
      const ids: unknown[] = [];
      const s = tracedSettle(
        traceSend('t', 2, 5)!,
        (id) => ids.push(id),
        () => undefined,
      );
      s.resolve({ ledgerId: 9, entryId: 4, batchIndex: 1 });
      const f = tracedSettle(
        traceSend('t', 2, 6)!,
        () => undefined,
        () => undefined,
      );
      f.reject(new Error('nope'));
      expect(ch.seen.map((e) => e.phase)).to.deep.equal(['start', 'end', 'start', 'error']);
      expect(ch.seen[1]).to.include({ topic: 't', partition: 2, bytes: 5 });
      expect(ch.seen[1].messageId).to.deep.equal({ ledgerId: 9, entryId: 4, batchIndex: 1 });
      expect(ch.seen[1].durationMs).to.be.at.least(0);
      expect(ch.seen[3].error?.message).to.equal('nope');
      expect(ids).to.have.length(1);
    } finally {
      ch.stop();
    }
  });

  it('publishes each received message on cortado:receive', () => {
    const ch = listen<ReceiveEvent>(CHANNELS.receive);
    try {
      traceReceive([
        { topic: 't', partition: 0, messageId: { ledgerId: 1, entryId: 2 }, value: Buffer.from('abc'), redeliveryCount: 0 },
        { topic: 't', partition: 0, messageId: { ledgerId: 1, entryId: 3, batchIndex: 0 }, value: Buffer.alloc(0), redeliveryCount: 2 },
      ]);
      expect(ch.seen).to.deep.equal([
        { topic: 't', partition: 0, messageId: { ledgerId: 1, entryId: 2, batchIndex: undefined }, bytes: 3, redeliveryCount: 0 },
        { topic: 't', partition: 0, messageId: { ledgerId: 1, entryId: 3, batchIndex: 0 }, bytes: 0, redeliveryCount: 2 },
      ]);
    } finally {
      ch.stop();
    }
  });
});

import { expect } from 'chai';
import * as sinon from 'sinon';
import { HandlerHost, HandlerWorker, MessageHandler } from '../../../../lib/core/handler-worker';
import type { Message } from '../../../../lib/pulsar/received-message';

const msg = (topic: string, partition: number, n: number) => ({ topic, partition, value: Buffer.from(String(n)) }) as unknown as Message;

function host(handler: MessageHandler, settled: Array<[string, string[]]>, timeoutMs = 1000): HandlerHost {
  return {
    handler,
    timeoutMs,
    maxBatch: 10,
    acquire: () => Promise.resolve(),
    release: () => undefined,
    fresh: (ms) => ms,
    settle: (ms, outcome) => void settled.push([outcome, ms.map((m) => m.value.toString())]),
  };
}

describe('lib/handler-worker', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('hands one topic-partition run at a time, in order, and acks on return', async () => {
    const settled: Array<[string, string[]]> = [];
    const seen: string[][] = [];
    const w = new HandlerWorker(
      'w',
      host((ms) => void seen.push(ms.map((m) => m.value.toString())), settled),
    );
    w.push([msg('a', 0, 1), msg('a', 0, 2), msg('b', 0, 3), msg('a', 0, 4)]);
    await clock.runAllAsync();
    expect(seen).to.deep.equal([['1', '2'], ['3'], ['4']]);
    expect(settled.map((s) => s[0])).to.deep.equal(['ack', 'ack', 'ack']);
  });

  it('leaves messages on { ack: false } and nacks on a throw', async () => {
    const settled: Array<[string, string[]]> = [];
    const w = new HandlerWorker(
      'w',
      host((ms) => {
        if (ms[0].value.toString() === '1') return { ack: false };
        throw new Error('no');
      }, settled),
    );
    w.push([msg('a', 0, 1)]);
    await clock.runAllAsync();
    w.push([msg('b', 0, 2)]);
    await clock.runAllAsync();
    expect(settled).to.deep.equal([
      ['leave', ['1']],
      ['nack', ['2']],
    ]);
  });

  it('release() drops the queued messages of a revoked partition and waits for its running batch', async () => {
    const settled: Array<[string, string[]]> = [];
    const seen: string[][] = [];
    let finish!: () => void;
    const w = new HandlerWorker(
      'w',
      host((ms) => {
        seen.push(ms.map((m) => m.value.toString()));
        if (ms[0].value.toString() === '1') return new Promise<void>((r) => (finish = r));
      }, settled),
    );
    w.push([msg('a', 0, 1), msg('b', 0, 2), msg('a', 0, 3)]);
    await clock.tickAsync(1);
    let released = false;
    const done = w.release('a', 0).then(() => (released = true));
    await clock.tickAsync(10);
    expect(released).to.equal(false);
    finish();
    await done;
    await clock.runAllAsync();
    // 3 was queued for the revoked partition and never handed over; b's batch still ran
    expect(seen).to.deep.equal([['1'], ['2']]);
    expect(settled.map((s) => s[1][0])).to.deep.equal(['1', '2']);
  });

  it('nacks a handler that never resolves once the handler timeout passes', async () => {
    const settled: Array<[string, string[]]> = [];
    const w = new HandlerWorker(
      'w',
      host(() => new Promise(() => undefined), settled, 5000),
    );
    w.push([msg('a', 0, 1)]);
    await clock.tickAsync(4999);
    expect(settled).to.deep.equal([]);
    await clock.tickAsync(2);
    expect(settled).to.deep.equal([['nack', ['1']]]);
  });

  it('aborts the signal of a timed-out handler and starts the next batch once it returned', async () => {
    const settled: Array<[string, string[]]> = [];
    const log: string[] = [];
    const w = new HandlerWorker(
      'w',
      host(
        async (ms, signal) => {
          const v = ms[0].value.toString();
          log.push(`start ${v}`);
          if (v === '1') await new Promise((r) => signal.addEventListener('abort', () => setTimeout(r, 300)));
          log.push(`end ${v}`);
        },
        settled,
        1000,
      ),
    );
    w.push([msg('a', 0, 1)]);
    w.push([msg('b', 0, 2)]);
    await clock.tickAsync(1000);
    expect(settled).to.deep.equal([['nack', ['1']]]);
    await clock.tickAsync(299);
    expect(log).to.deep.equal(['start 1']);
    await clock.tickAsync(1);
    expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('abandons a timed-out handler that ignores its signal after as long again', async () => {
    const settled: Array<[string, string[]]> = [];
    const started: string[] = [];
    const w = new HandlerWorker(
      'w',
      host(
        (ms) => {
          started.push(ms[0].value.toString());
          return ms[0].value.toString() === '1' ? new Promise(() => undefined) : undefined;
        },
        settled,
        1000,
      ),
    );
    w.push([msg('a', 0, 1), msg('b', 0, 2)]);
    await clock.tickAsync(1999);
    expect(started).to.deep.equal(['1']);
    await clock.tickAsync(1);
    expect(started).to.deep.equal(['1', '2']);
    expect(settled).to.deep.equal([
      ['nack', ['1']],
      ['ack', ['2']],
    ]);
  });

  it('stop() drops queued messages; abandon() aborts the running handler and ignores its outcome', async () => {
    const settled: Array<[string, string[]]> = [];
    let reason: unknown;
    let finish!: () => void;
    const w = new HandlerWorker(
      'w',
      host(
        (_ms, signal) => {
          signal.addEventListener('abort', () => (reason = signal.reason));
          return new Promise<void>((r) => (finish = r));
        },
        settled,
        60_000,
      ),
    );
    w.push([msg('a', 0, 1)]);
    w.push([msg('b', 0, 2)]);
    await clock.tickAsync(10);
    w.stop();
    expect(w.queued).to.equal(0);
    const why = new Error('closing');
    w.abandon(why);
    await w.idle();
    finish();
    await clock.tickAsync(10);
    expect(reason).to.equal(why);
    expect(settled).to.deep.equal([]);
  });
});

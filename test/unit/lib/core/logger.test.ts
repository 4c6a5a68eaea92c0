import { expect } from 'chai';
import { ClosedError } from '../../../../lib/core/errors';
import { createLog, Log, Logger, redact } from '../../../../lib/core/logger';
import { recordingLogger } from '../../../support/recording-logger';

describe('lib/logger', () => {
  it('is silent without a logger and without a level', () => {
    const log = createLog(undefined, undefined, {});
    expect(log.enabled('error')).to.equal(false);
  });

  it('writes pino-style (fields, message), or the message alone, at or above its level', () => {
    const sink = recordingLogger();
    const log = new Log(sink, 'info');
    log.debug('not written');
    log.info('plain');
    log.warn('with fields', { topic: 't', partition: 1 });
    expect(sink.lines).to.deep.equal([
      { level: 'info', args: ['plain'] },
      { level: 'warn', args: [{ topic: 't', partition: 1 }, 'with fields'] },
    ]);
  });

  it('takes its level from CORTADO_LOG_LEVEL, and writes to console when only a level is set', () => {
    const sink = recordingLogger();
    const log = createLog(sink, undefined, { CORTADO_LOG_LEVEL: ' Error ' });
    log.warn('dropped');
    log.error('kept');
    expect(sink.lines.map((l) => l.level)).to.deep.equal(['error']);
    // an option given in code wins over the environment
    expect(createLog(sink, 'debug', { CORTADO_LOG_LEVEL: 'error' }).enabled('debug')).to.equal(true);
    const fromEnvOnly = createLog(undefined, undefined, { CORTADO_LOG_LEVEL: 'warn' });
    expect(fromEnvOnly.enabled('warn')).to.equal(true);
    expect(fromEnvOnly.enabled('info')).to.equal(false);
    expect(createLog(undefined, undefined, { CORTADO_LOG_LEVEL: 'loud' }).enabled('error')).to.equal(false);
  });

  it('never hands credentials to the sink', () => {
    const sink = recordingLogger();
    const log = new Log(sink, 'debug', { client: 'producer' });
    log.info('connecting', {
      authToken: 'eyJhbGciOi.secret',
      url: 'pulsar+ssl://alice:hunter2@broker:6651',
      tls: { password: 'p', ca: 'ca.pem' },
      error: new ClosedError('closed pulsar://bob:pw@host:6650'),
    });
    const text = JSON.stringify(sink.lines);
    for (const secret of ['eyJhbGciOi.secret', 'hunter2', 'alice', '"p"', 'bob:pw']) expect(text).to.not.include(secret);
    const fields = sink.lines[0].args[0] as Record<string, unknown>;
    expect(fields.client).to.equal('producer');
    expect(fields.url).to.equal('pulsar+ssl://[redacted]@broker:6651');
    expect(fields.tls).to.deep.equal({ password: '[redacted]', ca: 'ca.pem' });
    expect((fields.error as { code: string }).code).to.equal('CLOSED');
    expect(redact({ key: 'k', keys: ['a'] })).to.deep.equal({ key: 'k', keys: ['a'] });
  });

  it('survives a logger that throws', () => {
    const bad: Logger = {
      debug() {},
      info() {},
      warn() {},
      error() {
        throw new Error('disk full');
      },
    };
    expect(() => new Log(bad, 'debug').error('boom', { a: 1 })).to.not.throw();
  });

  it("adds a child logger's fields to every line", () => {
    const sink = recordingLogger();
    new Log(sink, 'debug').child({ topic: 't' }).debug('x', { partition: 2 });
    expect(sink.lines[0].args[0]).to.deep.equal({ topic: 't', partition: 2 });
  });
});

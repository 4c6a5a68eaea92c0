import { expect } from 'chai';
import { decodeFrame } from '../../../../protocol/pulsar/frame';
import { BaseCommand, CommandType } from '../../../../protocol/pulsar/proto';
import type { Connection } from '../../../../lib/pulsar/connection';
import type { ConnectionPool } from '../../../../lib/pulsar/connection-pool';
import { LookupService, MAX_LOOKUP_REDIRECTS } from '../../../../lib/pulsar/lookup-service';
import { BrokerAddress } from '../../../../lib/pulsar/service-url';
import { ConnectionError, TlsError, TopicError } from '../../../../lib/core/errors';

type Answer = (lookup: BaseCommand, address: BrokerAddress) => Record<string, unknown>;

// Fake connections that answer LOOKUP like brokers would: no sockets, the real command bytes.
function fakePool(answer: Answer) {
  const asked: Array<{ host: string; authoritative: boolean; listener?: string }> = [];
  const pool = {
    async get(address: BrokerAddress) {
      return {
        address,
        async request(build: (id: number) => Buffer) {
          const bytes = build(1);
          const cmd = decodeFrame(bytes, 4, bytes.length).command;
          const listener = cmd.lookupTopic.advertisedListenerName || undefined;
          asked.push({
            host: `${address.host}:${address.port}`,
            authoritative: cmd.lookupTopic.authoritative,
            ...(listener ? { listener } : {}),
          });
          return { type: CommandType.LOOKUP_RESPONSE, lookupTopicResponse: { requestId: 1, ...answer(cmd, address) } };
        },
      } as unknown as Connection;
    },
  } as unknown as ConnectionPool;
  return { pool, asked };
}

const service = [{ host: 'svc', port: 6650, tls: false }];

describe('lib/lookup-service', () => {
  it('follows Redirect answers with their authoritative flag until Connect', async () => {
    const { pool, asked } = fakePool((_cmd, at) => {
      if (at.host === 'svc') return { response: 0, brokerServiceUrl: 'pulsar://b1:6650', authoritative: false };
      if (at.host === 'b1') return { response: 0, brokerServiceUrl: 'pulsar://b2:6651', authoritative: true };
      return { response: 1, brokerServiceUrl: 'pulsar://b2:6651' };
    });
    const r = await new LookupService(pool, service).lookup('t');
    expect(r.address).to.include({ host: 'b2', port: 6651 });
    expect(asked).to.deep.equal([
      { host: 'svc:6650', authoritative: false },
      { host: 'b1:6650', authoritative: false },
      { host: 'b2:6651', authoritative: true },
    ]);
  });

  it(`gives up after ${MAX_LOOKUP_REDIRECTS} redirects`, async () => {
    const { pool, asked } = fakePool(() => ({ response: 0, brokerServiceUrl: 'pulsar://loop:6650' }));
    const e = await new LookupService(pool, service).lookup('t').catch((x) => x);
    expect(e).to.be.instanceOf(ConnectionError);
    expect(e.message).to.include('redirected more than 20 times');
    expect(asked).to.have.length(MAX_LOOKUP_REDIRECTS + 1);
  });

  it('turns a Failed answer into a typed error', async () => {
    const { pool } = fakePool(() => ({ response: 2, error: 17, message: 'bad name' }));
    const e = await new LookupService(pool, service).lookup('t').catch((x) => x);
    expect(e).to.be.instanceOf(TopicError);
    expect(e.serverError).to.equal('InvalidTopicName');
  });

  it('marks ServiceNotReady as retriable', async () => {
    const { pool } = fakePool(() => ({ response: 2, error: 6, message: 'not ready' }));
    const e = await new LookupService(pool, service).lookup('t').catch((x) => x);
    expect(e.canRetry).to.equal(true);
  });

  it('regression: proxy_to_broker_url was sent as pulsar://host:port, the proxy expects host:port', async () => {
    const { pool } = fakePool(() => ({ response: 1, brokerServiceUrl: 'pulsar://inner:6650', proxyThroughServiceUrl: true }));
    const r = await new LookupService(pool, service).lookup('t');
    expect(r.address.host).to.equal('svc');
    expect(r.proxyToBrokerUrl).to.equal('inner:6650');
    // a plaintext client names the broker's plaintext port even when the answer has a TLS URL too
    const both = fakePool(() => ({
      response: 1,
      brokerServiceUrl: 'pulsar://inner:6650',
      brokerServiceUrlTls: 'pulsar+ssl://inner:6651',
      proxyThroughServiceUrl: true,
    }));
    expect((await new LookupService(both.pool, service).lookup('t')).proxyToBrokerUrl).to.equal('inner:6650');
  });

  it('through a TLS proxy keeps TLS to the proxy and names the broker by host:port', async () => {
    const tlsService = [{ host: 'proxy', port: 6651, tls: true }];
    const { pool } = fakePool(() => ({
      response: 1,
      brokerServiceUrl: 'pulsar://inner:6650',
      brokerServiceUrlTls: 'pulsar+ssl://inner:6651',
      proxyThroughServiceUrl: true,
    }));
    const r = await new LookupService(pool, tlsService).lookup('t');
    expect(r.address).to.deep.equal({ host: 'proxy', port: 6651, tls: true });
    expect(r.proxyToBrokerUrl).to.equal('inner:6651');
  });

  it('regression: a TLS lookup whose answer lacks brokerServiceUrlTls silently fell back to the plaintext URL', async () => {
    const tlsService = [{ host: 'svc', port: 6651, tls: true }];
    const { pool, asked } = fakePool(() => ({ response: 0, brokerServiceUrl: 'pulsar://b1:6650', authoritative: true }));
    const e = await new LookupService(pool, tlsService).lookup('t').catch((x) => x);
    expect(e).to.be.instanceOf(TlsError);
    expect(e.code).to.equal('TLS');
    expect(e.message).to.include('never downgrades');
    // nothing was asked of the plaintext broker
    expect(asked.map((a) => a.host)).to.deep.equal(['svc:6651']);
    const connect = fakePool(() => ({ response: 1, brokerServiceUrl: 'pulsar://b1:6650' }));
    expect(await new LookupService(connect.pool, tlsService).lookup('t').catch((x) => x)).to.be.instanceOf(TlsError);
  });

  it('over TLS follows the TLS URLs', async () => {
    const tlsService = [{ host: 'svc', port: 6651, tls: true }];
    const { pool } = fakePool((_c, at) =>
      at.host === 'svc'
        ? { response: 0, brokerServiceUrl: 'pulsar://b1:6650', brokerServiceUrlTls: 'pulsar+ssl://b1:6651' }
        : { response: 1, brokerServiceUrl: 'pulsar://b1:6650', brokerServiceUrlTls: 'pulsar+ssl://b1:6651' },
    );
    const r = await new LookupService(pool, tlsService).lookup('t');
    expect(r.address).to.deep.equal({ host: 'b1', port: 6651, tls: true });
  });

  it('asks for the configured listener in every LOOKUP', async () => {
    const { pool, asked } = fakePool((_c, at) =>
      at.host === 'svc' ? { response: 0, brokerServiceUrl: 'pulsar://b1:7000' } : { response: 1, brokerServiceUrl: 'pulsar://b1:7000' },
    );
    await new LookupService(pool, service, { listenerName: 'external' }).lookup('t');
    expect(asked.map((a) => a.listener)).to.deep.equal(['external', 'external']);
    const plain = fakePool(() => ({ response: 1, brokerServiceUrl: 'pulsar://b1:6650' }));
    await new LookupService(plain.pool, service).lookup('t');
    expect(plain.asked[0].listener).to.equal(undefined);
  });
});

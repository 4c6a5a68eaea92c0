import { expect } from 'chai';
import { decodeFrame } from '../../../protocol/frame';
import { BaseCommand, CommandType } from '../../../protocol/proto';
import type { Connection } from '../../../lib/connection';
import type { ConnectionPool } from '../../../lib/connection-pool';
import { LookupService, MAX_LOOKUP_REDIRECTS } from '../../../lib/lookup-service';
import { BrokerAddress } from '../../../lib/service-url';
import { ConnectionError, TopicError } from '../../../lib/errors';

type Answer = (lookup: BaseCommand, address: BrokerAddress) => Record<string, unknown>;

// Fake connections that answer LOOKUP like brokers would: no sockets, the real command bytes.
function fakePool(answer: Answer) {
  const asked: Array<{ host: string; authoritative: boolean }> = [];
  const pool = {
    async get(address: BrokerAddress) {
      return {
        address,
        async request(build: (id: number) => Buffer) {
          const bytes = build(1);
          const cmd = decodeFrame(bytes, 4, bytes.length).command;
          asked.push({ host: `${address.host}:${address.port}`, authoritative: cmd.lookupTopic.authoritative });
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

  it('connects through the service URL when the broker asks for the proxy', async () => {
    const { pool } = fakePool(() => ({ response: 1, brokerServiceUrl: 'pulsar://inner:6650', proxyThroughServiceUrl: true }));
    const r = await new LookupService(pool, service).lookup('t');
    expect(r.address.host).to.equal('svc');
    expect(r.proxyToBrokerUrl).to.equal('pulsar://inner:6650');
  });
});

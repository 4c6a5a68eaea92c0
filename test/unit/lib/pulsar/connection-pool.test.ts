import { expect } from 'chai';
import { ConnectionPool } from '../../../../lib/pulsar/connection-pool';
import { AuthenticationError } from '../../../../lib/core/errors';
import { encodeCommandFrame } from '../../../../protocol/pulsar/frame';
import { CommandType } from '../../../../protocol/pulsar/proto';
import { connectedFrame, ScriptedPeer, scriptedPeer } from '../../../support/scripted-peer';

const options = { connectTimeoutMs: 2000, operationTimeoutMs: 1000, keepAliveIntervalMs: 60_000, clientVersion: 'test' };
const challengeFrame = () =>
  encodeCommandFrame({
    type: CommandType.AUTH_CHALLENGE,
    authChallenge: { serverVersion: 'peer', protocolVersion: 21, challenge: { authMethodName: 'token', authData: Buffer.from('x') } },
  });

describe('lib/connection-pool', () => {
  let peer: ScriptedPeer;
  let pool: ConnectionPool;

  afterEach(async () => {
    await pool.close();
    await peer.close();
  });

  it('defect pool keeps a dead connection: one closed in the read that completed its handshake is never handed out', async () => {
    let connects = 0;
    peer = await scriptedPeer((cmd, reply) => {
      if (cmd.type !== CommandType.CONNECT) return;
      // the first socket: CONNECTED and, in the same write, a challenge this client has no credentials for
      reply(++connects === 1 ? Buffer.concat([connectedFrame(), challengeFrame()]) : connectedFrame());
    });
    pool = new ConnectionPool(options);
    const address = { host: '127.0.0.1', port: peer.port, tls: false };
    const first = await pool.get(address).then(
      (c) => c,
      (e: Error) => e,
    );
    expect(first).to.be.instanceOf(AuthenticationError);
    const second = await pool.get(address);
    expect(second.closed).to.equal(false);
    expect(connects).to.equal(2);
    // and the pool keeps handing out the live one
    expect(await pool.get(address)).to.equal(second);
  });

  it('a connection that closes later leaves the pool: the next user opens a fresh one', async () => {
    peer = await scriptedPeer((cmd, reply) => cmd.type === CommandType.CONNECT && reply(connectedFrame()));
    pool = new ConnectionPool(options);
    const address = { host: '127.0.0.1', port: peer.port, tls: false };
    const a = await pool.get(address);
    a.destroy();
    const b = await pool.get(address);
    expect(b).to.not.equal(a);
    expect(b.closed).to.equal(false);
  });
});

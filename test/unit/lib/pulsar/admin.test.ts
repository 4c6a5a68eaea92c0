import { expect } from 'chai';
import { createPki, Pki } from '../../../../tools/pki';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Admin } from '../../../../lib/pulsar/admin';
import { AdminError, AuthenticationError, AuthorizationError } from '../../../../lib/pulsar/admin-errors';
import { ConnectionError, TimeoutError } from '../../../../lib/core/errors';

// A scripted REST peer on 127.0.0.1: records each request and answers what the test scripts.
type Script = (req: http.IncomingMessage) => { status: number; body?: string; hang?: boolean };
async function peer(script: Script, tls?: https.ServerOptions) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const answer = script(req);
      if (answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body ?? '');
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('Admin requests and errors (scripted REST peer)', () => {
  it('sends the token as a bearer header and JSON bodies for partition counts', async () => {
    const p = await peer(() => ({ status: 204 }));
    const admin = new Admin({}, { CORTADO_ADMIN_URL: p.url, CORTADO_AUTH_TOKEN: 'tok.en' });
    try {
      await admin.createPartitionedTopic('tenant/ns/orders', 4);
      await admin.updatePartitions('persistent://tenant/ns/orders', 6);
      expect(p.seen.map((s) => [s.method, s.url, s.body])).to.deep.equal([
        ['PUT', '/admin/v2/persistent/tenant/ns/orders/partitions', '4'],
        ['POST', '/admin/v2/persistent/tenant/ns/orders/partitions', '6'],
      ]);
      for (const s of p.seen) expect(s.headers.authorization).to.equal('Bearer tok.en');
    } finally {
      admin.close();
      await p.close();
    }
  });

  it('sends no authorization header without a token', async () => {
    const p = await peer(() => ({ status: 200, body: '[]' }));
    const admin = new Admin({ adminUrl: p.url }, {});
    try {
      expect(await admin.listTopics()).to.deep.equal([]);
      expect(p.seen[0].headers).to.not.have.property('authorization');
    } finally {
      admin.close();
      await p.close();
    }
  });

  it('maps 401 and 403 to AuthenticationError and AuthorizationError, 5xx to a retriable AdminError', async () => {
    const answers = [
      { status: 401, body: '{"reason":"Authentication required"}' },
      { status: 403, body: '{"reason":"Unauthorized to validateTenantOperation"}' },
      { status: 503, body: 'Service Unavailable' },
      { status: 412, body: '{"reason":"Precondition"}' },
    ];
    let i = 0;
    const p = await peer(() => answers[i++]);
    const admin = new Admin({ adminUrl: p.url }, {});
    const fail = () =>
      admin.listTopics().then(
        () => expect.fail('resolved'),
        (e: unknown) => e,
      );
    try {
      const e401 = await fail();
      expect(e401).to.be.instanceOf(AuthenticationError).and.include({ code: 'AUTHENTICATION', canRetry: false });
      expect((e401 as Error).message)
        .to.include('Authentication required')
        .and.include('CORTADO_AUTH_TOKEN');
      expect(await fail())
        .to.be.instanceOf(AuthorizationError)
        .and.include({ code: 'AUTHORIZATION' });
      expect(await fail())
        .to.be.instanceOf(AdminError)
        .and.include({ status: 503, canRetry: true, code: 'BROKER' });
      expect(await fail())
        .to.be.instanceOf(AdminError)
        .and.include({ status: 412, canRetry: false, reason: 'Precondition' });
    } finally {
      admin.close();
      await p.close();
    }
  });

  it('times out a request the broker never answers, and reports a refused connection as ConnectionError', async () => {
    const p = await peer(() => ({ status: 200, hang: true }));
    const admin = new Admin({ adminUrl: p.url, operationTimeoutMs: 200 }, {});
    try {
      const e = await admin.listTopics().then(
        () => expect.fail('resolved'),
        (err: unknown) => err,
      );
      expect(e).to.be.instanceOf(TimeoutError).and.include({ canRetry: true });
    } finally {
      admin.close();
      await p.close();
    }
    const closed = new Admin({ adminUrl: p.url }, {});
    const e = await closed.listTopics().then(
      () => expect.fail('resolved'),
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(ConnectionError).and.include({ canRetry: true });
    closed.close();
  });

  it('trusts an https admin URL through the configured CA, and refuses it without', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cortado-admin-tls-'));
    try {
      let pki: Pki;
      try {
        pki = createPki(dir);
      } catch {
        console.log('      (skipped: no openssl to make a test certificate)');
        this.skip();
      }
      const p = await peer(() => ({ status: 200, body: '["persistent://public/default/x"]' }), {
        key: fs.readFileSync(pki.serverKey),
        cert: fs.readFileSync(pki.serverCert),
      });
      try {
        const trusted = new Admin({ adminUrl: p.url }, { CORTADO_TLS_CA_FILE: pki.caCert });
        expect(await trusted.listTopics()).to.deep.equal(['persistent://public/default/x']);
        trusted.close();
        const untrusted = new Admin({ adminUrl: p.url }, {});
        const e = await untrusted.listTopics().then(
          () => expect.fail('resolved'),
          (err: unknown) => err,
        );
        expect(e)
          .to.be.instanceOf(ConnectionError)
          .with.property('message')
          .match(/self.signed|certificate|issuer/i);
        untrusted.close();
        const insecure = new Admin({ adminUrl: p.url, tlsAllowInsecure: true }, {});
        expect(await insecure.listTopics()).to.have.length(1);
        insecure.close();
      } finally {
        await p.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

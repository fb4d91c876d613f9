import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHttpSender, RESPONSE_BODY_LIMIT } from '../../lambdas/adapters/http-sender';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const insecure = createHttpSender({ allowInsecureTargets: true });
const secure = createHttpSender({ allowInsecureTargets: false });
afterAll(async () => {
  await insecure.close();
  await secure.close();
});

describe('the delivery HTTP sender against misbehaving receivers', () => {
  it('returns the status and the body of a non-2xx answer', async () => {
    const port = await listen(createServer((_q, s) => s.writeHead(500).end('kaput')));
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toEqual({ kind: 'response', response: { status: 500, body: 'kaput' } });
  });

  it('passes Retry-After through on 429', async () => {
    const port = await listen(createServer((_q, s) => s.writeHead(429, { 'Retry-After': '7' }).end()));
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'response', response: { status: 429, retryAfter: '7' } });
  });

  it('classifies a receiver that hangs past the timeout as a timeout, on time', async () => {
    const port = await listen(createServer(() => {}));
    const started = Date.now();
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 300);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('classifies a connection reset in the middle of the response as a connection error', async () => {
    const port = await listen(
      createServer((_q, s) => {
        s.writeHead(200, { 'Content-Length': '1000' });
        s.write('partial');
        setTimeout(() => s.socket?.resetAndDestroy(), 20);
      }),
    );
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'connection' });
  });

  it('classifies a refused connection as a connection error', async () => {
    const port = await listen(createServer());
    servers.pop()?.close();
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'connection' });
  });

  it('classifies an untrusted certificate as a TLS error', async () => {
    const dir = join(__dirname, '..', 'fixtures', 'tls');
    const server = createTlsServer(
      {
        key: readFileSync(join(dir, 'untrusted-key.pem')),
        cert: readFileSync(join(dir, 'untrusted-cert.pem')),
      },
      (_q, s) => s.writeHead(200).end('should never be read'),
    );
    const port = await listen(server);
    const out = await insecure.post(`https://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'tls' });
  });

  it('classifies a name that does not resolve as a DNS error', async () => {
    const out = await insecure.post('https://no-such-host.invalid/', {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'dns' });
  });

  it('reads at most 4 KB of a 50 MB answer, with flat memory', async () => {
    let sent = 0;
    const port = await listen(
      createServer((_q, s) => {
        s.writeHead(200, { 'Content-Length': String(50 * 1024 * 1024) });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (sent < 50 * 1024 * 1024) {
            sent += chunk.length;
            if (!s.write(chunk)) return s.once('drain', pump);
          }
          s.end();
        };
        pump();
      }),
    );
    const before = process.memoryUsage();
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 5000);
    const after = process.memoryUsage();
    expect(out.kind).toBe('response');
    if (out.kind === 'response')
      expect(Buffer.byteLength(out.response.body)).toBeLessThanOrEqual(RESPONSE_BODY_LIMIT);
    // The receiver could not push the 50 MB: we stopped reading and dropped the connection.
    expect(sent).toBeLessThan(20 * 1024 * 1024);
    expect(after.arrayBuffers + after.heapUsed - before.arrayBuffers - before.heapUsed).toBeLessThan(
      20 * 1024 * 1024,
    );
  });

  it('does not follow a redirect, even to a private address', async () => {
    let followed = 0;
    const targetPort = await listen(
      createServer((_q, s) => {
        followed++;
        s.writeHead(200).end();
      }),
    );
    const port = await listen(
      createServer((_q, s) =>
        s.writeHead(302, { Location: `http://127.0.0.1:${targetPort}/internal` }).end(),
      ),
    );
    const out = await insecure.post(`http://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(out).toMatchObject({ kind: 'response', response: { status: 302 } });
    expect(followed).toBe(0);
  });

  it('refuses a private address at connect time, whether literal or reached through DNS', async () => {
    let hits = 0;
    const port = await listen(
      createServer((_q, s) => {
        hits++;
        s.writeHead(200).end();
      }),
    );
    const literal = await secure.post(`https://127.0.0.1:${port}/`, {}, '{}', 2000);
    expect(literal).toMatchObject({ kind: 'error', errorClass: 'blocked_target' });
    // "localhost" passes no static check here: the address is caught in the socket's own DNS lookup.
    const viaDns = await secure.post(`https://localhost:${port}/`, {}, '{}', 2000);
    expect(viaDns).toMatchObject({ kind: 'error', errorClass: 'blocked_target' });
    expect((viaDns as { message: string }).message).toMatch(/127\.0\.0\.1|::1/);
    expect(hits).toBe(0);
  });

  it('reuses one keep-alive connection for consecutive deliveries to an origin', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((q, s) => {
      sockets.add(q.socket);
      s.writeHead(200).end('ok');
    });
    const port = await listen(server);
    for (let i = 0; i < 5; i++) {
      const out = await insecure.post(
        `http://127.0.0.1:${port}/`,
        { 'Content-Type': 'application/json' },
        '{}',
        2000,
      );
      expect(out).toMatchObject({ kind: 'response', response: { status: 200 } });
    }
    expect(sockets.size).toBe(1);
  });
});

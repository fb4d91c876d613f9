/**
 * A local webhook receiver for integration tests: records every request (raw body bytes, headers, arrival
 * time, concurrency) and answers as the test scripts it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly body: string;
  readonly receivedAt: number;
  /** Requests to the same path open at the moment this one arrived (including itself). */
  readonly concurrent: number;
}

export interface Reply {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

export type Responder = (request: ReceivedRequest, index: number) => Reply | Promise<Reply>;

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  maxConcurrent: number;
  respond: Responder;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  respond: Responder = () => ({ status: 200, body: 'ok' }),
): Promise<Receiver> {
  let open = 0;
  const openByPath = new Map<string, number>();
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    requests,
    maxConcurrent: 0,
    respond,
    async waitFor(count, timeoutMs = 20_000) {
      if (requests.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return requests.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    open++;
    receiver.maxConcurrent = Math.max(receiver.maxConcurrent, open);
    const path = req.url ?? '/';
    const concurrent = (openByPath.get(path) ?? 0) + 1;
    openByPath.set(path, concurrent);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks);
      const request: ReceivedRequest = {
        path: req.url ?? '/',
        headers: req.headers,
        rawBody,
        body: rawBody.toString('utf8'),
        receivedAt: Date.now(),
        concurrent,
      };
      const index = requests.length;
      requests.push(request);
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      try {
        const reply = await receiver.respond(request, index);
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      } catch {
        res.destroy();
      } finally {
        open--;
        openByPath.set(path, (openByPath.get(path) ?? 1) - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  (receiver as { url: string }).url =
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return receiver;
}

/**
 * The benchmark's webhook receiver: one node:http server on loopback that answers every POST, can fail
 * chosen first attempts or answer late, and keeps per delivery what the figures need (first successful
 * arrival, successful copies, failed attempts) keyed by `<path>#<data.seq>`.
 */
import { createServer, type Server } from 'node:http';

export interface Arrival {
  /** `performance.now()` when the first request answered 2xx had arrived (its body read). */
  firstOkAt: number;
  okCount: number;
  failedCount: number;
}

export interface ReceiverBehaviour {
  /** Wait this long before answering (the receiver's own work). */
  delayMs?: number;
  /** Answer 500 when true, given the key and how many requests for it came before. */
  fail?: (key: string, seq: number, previous: number) => boolean;
}

export interface BenchReceiver {
  readonly url: string;
  readonly arrivals: Map<string, Arrival>;
  /** Requests open at once, at most, since the last reset. */
  readonly maxConcurrent: number;
  readonly requests: number;
  set(behaviour: ReceiverBehaviour): void;
  reset(): void;
  close(): Promise<void>;
}

export function receiverKey(path: string, seq: number): string {
  return `${path}#${seq}`;
}

/** Reads `data.seq` from an envelope `{"id",...,"data":{"seq":n,...}}` without trusting its shape. */
function seqOf(body: string): number {
  try {
    const parsed = JSON.parse(body) as { data?: { seq?: unknown } };
    return typeof parsed.data?.seq === 'number' ? parsed.data.seq : -1;
  } catch {
    return -1;
  }
}

export async function startReceiver(): Promise<BenchReceiver> {
  let behaviour: ReceiverBehaviour = {};
  let open = 0;
  let maxConcurrent = 0;
  let requests = 0;
  const arrivals = new Map<string, Arrival>();
  const seen = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    open++;
    requests++;
    if (open > maxConcurrent) maxConcurrent = open;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrivedAt = performance.now();
      const seq = seqOf(Buffer.concat(chunks).toString('utf8'));
      const key = receiverKey(req.url ?? '/', seq);
      const previous = seen.get(key) ?? 0;
      seen.set(key, previous + 1);
      const failing = behaviour.fail?.(key, seq, previous) ?? false;
      const answer = () => {
        const arrival = arrivals.get(key) ?? { firstOkAt: 0, okCount: 0, failedCount: 0 };
        if (failing) arrival.failedCount++;
        else {
          if (arrival.okCount === 0) arrival.firstOkAt = arrivedAt;
          arrival.okCount++;
        }
        arrivals.set(key, arrival);
        open--;
        res.writeHead(failing ? 500 : 200, { 'Content-Type': 'text/plain' });
        res.end(failing ? 'fail' : 'ok');
      };
      if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
    req.on('error', () => {
      open--;
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    get maxConcurrent() {
      return maxConcurrent;
    },
    get requests() {
      return requests;
    },
    set(b) {
      behaviour = b;
    },
    reset() {
      arrivals.clear();
      seen.clear();
      maxConcurrent = open;
      requests = 0;
      behaviour = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain keep-alive HTTP client (node:http), the same one for publishing to ours and to the baseline. */
import { Agent, request } from 'node:http';

export interface HttpClient {
  post(
    url: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string }>;
  close(): void;
}

export function createHttpClient(maxSockets = 64): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post: (url, body, headers = {}) =>
      new Promise((resolve, reject) => {
        const payload = Buffer.from(body, 'utf8');
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'Content-Type': 'application/json',
              'Content-Length': String(payload.length),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
            res.on('error', reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

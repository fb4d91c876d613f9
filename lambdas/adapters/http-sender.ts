import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { HttpOutcome, HttpSender } from '../domain/ports';
import { blockedAddressReason } from '../domain/target-safety';

/** How much of a response body is kept (and read): the deliveries log stores the first 4 KB. */
export const RESPONSE_BODY_LIMIT = 4096;

class BlockedTargetError extends Error {
  override readonly name = 'BlockedTargetError';
  readonly code = 'EBLOCKEDTARGET';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup that refuses private, loopback, link-local and other non-public addresses. It runs when
 * the socket connects, so the address checked is the address used: a name that resolved to a public
 * address at registration and to 169.254.169.254 now is caught here.
 */
function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason)
        return callback(new BlockedTargetError(`${hostname} resolves to ${address}, a ${reason}`), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

function codesOf(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as { name?: string; code?: string; cause?: unknown; errors?: unknown[] };
    if (e.name) found.push(e.name);
    if (e.code) found.push(e.code);
    if (Array.isArray(e.errors)) for (const inner of e.errors) found.push(...codesOf(inner));
    current = e.cause;
  }
  return found;
}

/** Maps a failed request to the error classes of the deliveries log. */
export function classifyError(error: unknown): Exclude<HttpOutcome, { kind: 'response' }>['errorClass'] {
  const codes = codesOf(error);
  const has = (pred: (c: string) => boolean) => codes.some(pred);
  if (has((c) => c === 'BlockedTargetError' || c === 'EBLOCKEDTARGET')) return 'blocked_target';
  if (has((c) => c === 'TimeoutError' || c === 'AbortError' || c.endsWith('_TIMEOUT') || c === 'ETIMEDOUT')) {
    return 'timeout';
  }
  if (has((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME' || c === 'EAI_FAIL'))
    return 'dns';
  if (
    has(
      (c) =>
        c.startsWith('ERR_TLS') ||
        c.startsWith('ERR_SSL') ||
        c.startsWith('CERT_') ||
        c.includes('SELF_SIGNED') ||
        c.startsWith('UNABLE_TO_') ||
        c === 'EPROTO' ||
        c === 'HOSTNAME_MISMATCH',
    )
  ) {
    return 'tls';
  }
  return 'connection';
}

function messageOf(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  const base = e.message ?? String(error);
  return e.cause?.message && !base.includes(e.cause.message) ? `${base}: ${e.cause.message}` : base;
}

export interface HttpSenderOptions {
  /** Skips the address checks (local receivers on 127.0.0.1). Never set in a deployed stack. */
  readonly allowInsecureTargets: boolean;
  /** Open connections kept per origin. */
  readonly connectionsPerOrigin?: number;
}

/**
 * HttpSender on Node's own http/https modules (no bundle weight). Built once per process so keep-alive
 * connections are reused across invocations; redirects are never followed (Node does not follow them),
 * and at most RESPONSE_BODY_LIMIT bytes of a response are read, however large it is.
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender & { close(): Promise<void> } {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.connectionsPerOrigin ?? 16,
    // Idle sockets are dropped before typical server keep-alive timeouts (5 s in Node) to avoid resets.
    timeout: 4000,
    ...(options.allowInsecureTargets ? {} : { lookup: guardedLookup as never }),
  };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  const post = (url: string, headers: Record<string, string>, body: string, timeoutMs: number) =>
    new Promise<HttpOutcome>((resolve) => {
      const signal = AbortSignal.timeout(timeoutMs);
      const fail = (error: unknown) =>
        resolve({
          kind: 'error',
          errorClass: signal.aborted ? 'timeout' : classifyError(error),
          message: (signal.aborted ? `no response within ${timeoutMs} ms` : messageOf(error)).slice(0, 500),
        });
      let target: URL;
      try {
        target = new URL(url);
        if (!options.allowInsecureTargets) {
          // Literal addresses never go through the DNS lookup, so they are checked here.
          const host = target.hostname.replace(/^\[|\]$/g, '');
          const reason = isIP(host) ? blockedAddressReason(host) : undefined;
          if (reason) throw new BlockedTargetError(`${host} is a ${reason}`);
        }
      } catch (error) {
        fail(error);
        return;
      }
      const isHttps = target.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      const request = (isHttps ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Length': String(payload.length) },
          agent: isHttps ? agents['https:'] : agents['http:'],
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let settled = false;
          const finish = () => {
            if (settled) return;
            settled = true;
            const retryAfter = response.headers['retry-after'];
            resolve({
              kind: 'response',
              response: {
                status: response.statusCode ?? 0,
                body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'),
                ...(retryAfter !== undefined ? { retryAfter } : {}),
              },
            });
          };
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= RESPONSE_BODY_LIMIT) {
              // Stop reading: a 50 MB answer costs us 4 KB and one connection, not 50 MB of memory.
              finish();
              response.destroy();
            }
          });
          response.on('end', finish);
          response.on('error', (error) => {
            if (!settled) {
              settled = true;
              fail(error);
            }
          });
        },
      );
      request.on('error', fail);
      request.end(payload);
    });

  return {
    post,
    close: async () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * Publishing events from a product team's code: `POST /v1/events`, signed with SigV4 (the ingest API uses
 * IAM auth), retried safely.
 *
 * Retry safety comes from the event id: the service stores each `(tenantId, id)` once and answers a repeat
 * with 200 and the same deliveries. So the id is fixed before the first try and reused on every retry; a
 * publish that timed out after the service stored it is not delivered twice.
 *
 * @example
 * ```ts
 * import { createPublisher, PublishError } from './clients/publisher';
 *
 * const publisher = createPublisher({
 *   apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
 *   region: 'eu-west-1',
 * });
 * try {
 *   const { id, deliveries } = await publisher.publish({ tenantId: 'acme', type: 'order.created', data: order });
 * } catch (error) {
 *   if (error instanceof PublishError && error.status === 422) console.error(error.fields);
 *   throw error;
 * }
 * ```
 */
import { randomUUID } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, type SignatureV4Init } from '@smithy/signature-v4';

/** Static AWS credentials, or a provider of them (such as the default Node provider chain). */
export type AwsCredentials = SignatureV4Init['credentials'];

export interface SignRequestInput {
  readonly method: string;
  readonly url: string | URL;
  /** Headers to sign besides `host` and `x-amz-date` (which are added). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  readonly credentials: AwsCredentials;
  /** @default new Date() */
  readonly date?: Date;
}

/**
 * Signs a request with AWS Signature Version 4 and returns all of its headers: those given, plus `host`,
 * `x-amz-date`, `authorization` and, for temporary credentials, `x-amz-security-token`. The payload hash is
 * part of the signature but not sent as a header (API Gateway does not need `x-amz-content-sha256`).
 */
export async function signRequest(input: SignRequestInput): Promise<Record<string, string>> {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const request = new HttpRequest({
    method: input.method.toUpperCase(),
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { ...input.headers, host: url.host },
    ...(input.body !== undefined ? { body: input.body } : {}),
  });
  const signer = new SignatureV4({
    service: input.service ?? 'execute-api',
    region: input.region,
    credentials: input.credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(request, { signingDate: input.date ?? new Date() });
  return { ...(signed.headers as Record<string, string>) };
}

/** A field the service rejected, from a 422 answer. */
export interface PublishFieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Publishing failed: the service refused the event, or could not be reached after the retries. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  /** HTTP status of the last answer; undefined when none came (network error, timeout). */
  readonly status: number | undefined;
  /** The service's error code (`validation_failed`, `dependency_unavailable`...), or `network_error`. */
  readonly code: string;
  readonly fields: readonly PublishFieldIssue[];
  /** True when publishing the same input again later may succeed (it is safe: same `eventId`). */
  readonly retryable: boolean;
  /** The id the event was published under; pass it as `id` to retry later without duplicates. */
  readonly eventId: string;
  readonly attempts: number;

  constructor(init: {
    message: string;
    status: number | undefined;
    code: string;
    fields?: readonly PublishFieldIssue[];
    retryable: boolean;
    eventId: string;
    attempts: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.fields = init.fields ?? [];
    this.retryable = init.retryable;
    this.eventId = init.eventId;
    this.attempts = init.attempts;
  }
}

export interface PublishInput {
  readonly tenantId: string;
  /** Dotted lowercase event type from the catalog, e.g. `order.created`. */
  readonly type: string;
  readonly data: Record<string, unknown>;
  /** Your id for the event; generated (`evt_<uuid>`) when absent. Publishing an id again is a no-op. */
  readonly id?: string;
}

export interface PublishResult {
  /** 202 when the event is new, 200 when this tenant already published this id. */
  readonly status: 200 | 202;
  readonly id: string;
  readonly deliveries: readonly { readonly id: string; readonly endpointId: string }[];
}

export interface PublisherOptions {
  /** Base URL of the API stage, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly apiUrl: string;
  readonly region: string;
  /** @default the Node default provider chain (environment, SSO, web identity, ini files, IMDS/ECS) */
  readonly credentials?: AwsCredentials;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Clock for signing. @default () => new Date() */
  readonly now?: () => Date;
  /** Retries after the first try, for 429, 5xx and network errors. @default 3 */
  readonly maxRetries?: number;
  /** Per-try timeout; API Gateway itself gives up after 29 s. @default 30_000 */
  readonly timeoutMs?: number;
  /** Longest wait before a retry; a `Retry-After` beyond it ends the retries. @default 20_000 */
  readonly maxDelayMs?: number;
  /** For tests. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One event's outcome in a batch: published (202, or 200 for an id seen before), or refused. */
export type BatchResult =
  | ({ readonly status: 200 | 202 } & Omit<PublishResult, 'status'>)
  | {
      readonly status: number;
      /** The id the event was sent with (pass it again to retry it alone). */
      readonly id: string;
      readonly error: { readonly code: string; readonly message: string; readonly fields?: unknown };
    };

export interface Publisher {
  publish(input: PublishInput): Promise<PublishResult>;
  /**
   * Publishes 1 to 100 events in one request (`POST /v1/events/batch`): one result per event, in order;
   * one bad event does not reject the others. Each event gets its id before the first try, so retries of
   * the whole batch (429, 5xx, network) publish nothing twice.
   */
  publishBatch(inputs: readonly PublishInput[]): Promise<BatchResult[]>;
}

/** Statuses worth another try with the same id: throttling, and failures where the event may not be stored. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const BASE_DELAY_MS = 250;

export function createPublisher(options: PublisherOptions): Publisher {
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  const maxRetries = options.maxRetries ?? 3;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`;
  const url = new URL('v1/events', base);
  const batchUrl = new URL('v1/events/batch', base);
  // Built once so its cache serves every publish; loaded lazily so callers passing credentials skip it.
  let credentials: AwsCredentials | undefined = options.credentials;
  const resolveCredentials = async (): Promise<AwsCredentials> => {
    if (credentials === undefined) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      credentials = defaultProvider();
    }
    return credentials;
  };

  /** POSTs `body` with retries (same bytes, so the same ids, on every try); the answer of the first success. */
  const post = async (
    target: URL,
    body: string,
    eventId: string,
    ok: readonly number[],
  ): Promise<{ status: number; text: string; attempt: number }> => {
    for (let attempt = 1; ; attempt++) {
      const headers = await signRequest({
        method: 'POST',
        url: target,
        headers: { 'content-type': 'application/json' },
        body,
        region: options.region,
        credentials: await resolveCredentials(),
        date: now(),
      });
      // fetch sets Host itself (from the URL, as signed) and refuses to be given one.
      const { host: _host, ...sendHeaders } = headers;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await doFetch(target, {
          method: 'POST',
          headers: sendHeaders,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (cause) {
        if (attempt > maxRetries) {
          throw new PublishError({
            message: `could not reach ${target.origin}: ${cause instanceof Error ? cause.message : String(cause)}`,
            status: undefined,
            code: 'network_error',
            retryable: true,
            eventId,
            attempts: attempt,
            cause,
          });
        }
        await sleep(backoffMs(attempt, maxDelayMs));
        continue;
      }

      if (ok.includes(status)) return { status, text, attempt };

      const error = errorFromAnswer(status, text, eventId, attempt);
      if (!error.retryable || attempt > maxRetries) throw error;
      const waitMs = Math.max(backoffMs(attempt, maxDelayMs), retryAfterMs(retryAfter, now()) ?? 0);
      // Honour Retry-After: if the service asks for longer than we are willing to wait, stop here.
      if (waitMs > maxDelayMs) throw error;
      await sleep(waitMs);
    }
  };

  return {
    async publish(input) {
      const eventId = input.id ?? `evt_${randomUUID()}`;
      const body = JSON.stringify({
        tenantId: input.tenantId,
        type: input.type,
        data: input.data,
        id: eventId,
      });
      const { status, text, attempt } = await post(url, body, eventId, [200, 202]);
      return successResult(status as 200 | 202, text, eventId, attempt);
    },

    async publishBatch(inputs) {
      if (inputs.length < 1 || inputs.length > 100) {
        throw new RangeError(`publishBatch takes 1 to 100 events, got ${inputs.length}`);
      }
      const events = inputs.map((input) => ({
        tenantId: input.tenantId,
        type: input.type,
        data: input.data,
        id: input.id ?? `evt_${randomUUID()}`,
      }));
      const { text } = await post(batchUrl, JSON.stringify({ events }), events[0]!.id, [207]);
      const parsed = JSON.parse(text) as { results?: BatchResult[] };
      if (!Array.isArray(parsed.results) || parsed.results.length !== events.length) {
        throw new Error(`the service answered 207 without one result per event: ${text.slice(0, 200)}`);
      }
      return parsed.results.map((r, i) => ({ ...r, id: 'id' in r ? r.id : events[i]!.id }));
    },
  };
}

/** Exponential from 250 ms with jitter between half and all of the step, capped. */
function backoffMs(attempt: number, maxDelayMs: number): number {
  const step = Math.min(maxDelayMs, BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function successResult(status: 200 | 202, text: string, eventId: string, attempts: number): PublishResult {
  const body = parseJson(text) as { id?: unknown; deliveries?: unknown } | undefined;
  const deliveries = body?.deliveries;
  const valid =
    typeof body?.id === 'string' &&
    Array.isArray(deliveries) &&
    deliveries.every(
      (d: { id?: unknown; endpointId?: unknown } | null) =>
        typeof d?.id === 'string' && typeof d.endpointId === 'string',
    );
  if (!valid) {
    throw new PublishError({
      message: `unexpected ${status} answer from the service`,
      status,
      code: 'invalid_response',
      retryable: false,
      eventId,
      attempts,
    });
  }
  return {
    status,
    id: body.id as string,
    deliveries: (deliveries as { id: string; endpointId: string }[]).map((d) => ({
      id: d.id,
      endpointId: d.endpointId,
    })),
  };
}

/** Our error body is `{ error: { code, message, fields? } }`; API Gateway's own answers are `{ message }`. */
function errorFromAnswer(status: number, text: string, eventId: string, attempts: number): PublishError {
  const body = parseJson(text) as
    | { error?: { code?: unknown; message?: unknown; fields?: unknown }; message?: unknown }
    | undefined;
  const error = body?.error;
  const fields = Array.isArray(error?.fields)
    ? error.fields
        .filter(
          (f: { field?: unknown; message?: unknown } | null) =>
            typeof f?.field === 'string' && typeof f.message === 'string',
        )
        .map((f: { field: string; message: string }) => ({ field: f.field, message: f.message }))
    : [];
  const message =
    typeof error?.message === 'string'
      ? error.message
      : typeof body?.message === 'string'
        ? body.message
        : `HTTP ${status}`;
  return new PublishError({
    message: `publish failed (${status}): ${message}`,
    status,
    code: typeof error?.code === 'string' ? error.code : `http_${status}`,
    fields,
    retryable: RETRYABLE_STATUS.has(status),
    eventId,
    attempts,
  });
}

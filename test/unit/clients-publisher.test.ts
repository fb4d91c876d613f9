/**
 * clients/publisher.ts: SigV4 signing checked against AWS's published test-suite vectors and against an
 * independent implementation of the spec written here with node:crypto; retry behaviour with a fake fetch.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPublisher, PublishError, retryAfterMs, signRequest } from '../../clients/publisher';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const SUITE_AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

/**
 * SigV4 from the spec (docs.aws.amazon.com, "Create a signed AWS API request"): canonical request, string
 * to sign, derived signing key, signature. Deliberately shares no code with the signer under test.
 */
function referenceAuthorization(input: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  date: Date;
  accessKeyId: string;
  secretAccessKey: string;
}): string {
  const url = new URL(input.url);
  const amzDate = input.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const rfc3986 = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  // Non-S3 services: each path segment is URI-encoded once more.
  const canonicalUri = url.pathname
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries({ ...input.headers, host: url.host, 'x-amz-date': amzDate })) {
    headers.set(k.toLowerCase(), v.trim().replace(/\s+/g, ' '));
  }
  const names = [...headers.keys()].sort();
  const canonicalRequest = [
    input.method,
    canonicalUri,
    canonicalQuery,
    ...names.map((n) => `${n}:${headers.get(n)}`),
    '',
    names.join(';'),
    createHash('sha256').update(input.body, 'utf8').digest('hex'),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
}

/** AWS SigV4 test suite (aws-sig-v4-test-suite): request, then the published Authorization. */
interface Vector {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly authorization: string;
}
const SUITE: readonly Vector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    headers: {},
    body: '',
    authorization: `${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: {},
    body: '',
    authorization: `${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
    headers: {},
    body: '',
    authorization: `${SUITE_AUTH}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Param1=value1',
    authorization: `${SUITE_AUTH}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
  },
];

describe('signRequest (SigV4)', () => {
  it.each(SUITE)('reproduces the AWS test-suite vector $name', async (vector) => {
    const headers = await signRequest({
      method: vector.method,
      url: vector.url,
      headers: vector.headers,
      body: vector.body,
      region: 'us-east-1',
      service: 'service',
      credentials: CREDENTIALS,
      date: SUITE_DATE,
    });
    expect(headers.authorization).toBe(vector.authorization);
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.host).toBe('example.amazonaws.com');
    // The reference implementation below is itself checked against the same vectors.
    expect(
      referenceAuthorization({
        ...vector,
        region: 'us-east-1',
        service: 'service',
        date: SUITE_DATE,
        ...CREDENTIALS,
      }),
    ).toBe(vector.authorization);
  });

  const PUBLISH = {
    method: 'POST',
    url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/events',
    headers: { 'content-type': 'application/json' },
    body: '{"tenantId":"acme","type":"order.created","data":{"total":1299},"id":"evt_fixed"}',
    region: 'eu-west-1',
    service: 'execute-api',
    date: new Date('2026-11-20T08:15:30.250Z'),
  };

  it('signs POST /v1/events for execute-api exactly as the spec computes it', async () => {
    const headers = await signRequest({ ...PUBLISH, credentials: CREDENTIALS });
    const expected = referenceAuthorization({ ...PUBLISH, ...CREDENTIALS });
    expect(headers.authorization).toBe(expected);
    // Pinned; botocore's SigV4Auth gives the same signature for this request and date.
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261120/eu-west-1/execute-api/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=1c9f2aaca2f98402cb106e35d7ac9e5301454b60f847edae656fe994af35d809',
    );
    expect(headers['x-amz-date']).toBe('20261120T081530Z');
    expect(headers['x-amz-content-sha256']).toBeUndefined();
  });

  it('changes the signature when the body, the date or the region changes', async () => {
    const base = await signRequest({ ...PUBLISH, credentials: CREDENTIALS });
    for (const change of [
      { body: PUBLISH.body.replace('1299', '1300') },
      { date: new Date('2026-11-20T08:15:31Z') },
      { region: 'eu-west-2' },
    ]) {
      const other = await signRequest({ ...PUBLISH, ...change, credentials: CREDENTIALS });
      expect(other.authorization).not.toBe(base.authorization);
      expect(other.authorization).toBe(referenceAuthorization({ ...PUBLISH, ...change, ...CREDENTIALS }));
    }
  });

  it('signs the session token of temporary credentials, from a provider', async () => {
    const headers = await signRequest({
      ...PUBLISH,
      credentials: async () => ({ ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLE' }),
    });
    expect(headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE');
    expect(headers.authorization).toBe(
      referenceAuthorization({
        ...PUBLISH,
        headers: { ...PUBLISH.headers, 'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLE' },
        ...CREDENTIALS,
      }),
    );
  });
});

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that answers from a script, one entry per call; an Error entry is thrown as a network failure. */
function fakeFetch(script: (Response | Error)[]) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(url),
      headers: { ...(init?.headers as Record<string, string>) },
      body: String(init?.body),
    });
    const next = script[calls.length - 1];
    if (next === undefined) throw new Error(`unexpected call ${calls.length}`);
    if (next instanceof Error) throw next;
    return next;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const accepted = (id: string) => json(202, { id, deliveries: [{ id: 'dlv_1', endpointId: 'ep_1' }] });

function publisher(script: (Response | Error)[], extra: { maxRetries?: number } = {}) {
  const fake = fakeFetch(script);
  const sleeps: number[] = [];
  const client = createPublisher({
    apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    fetch: fake.fetch,
    now: () => new Date('2026-11-20T08:15:30Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { client, calls: fake.calls, sleeps };
}
const sentId = (call: Call | undefined) => JSON.parse(call!.body).id as string;

describe('createPublisher().publish', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('POSTs the event to <apiUrl>/v1/events, signed as sent', async () => {
    const { client, calls } = publisher([accepted('evt_given')]);
    const result = await client.publish({
      tenantId: 'acme',
      type: 'order.created',
      data: { total: 1299 },
      id: 'evt_given',
    });
    expect(result).toEqual({
      status: 202,
      id: 'evt_given',
      deliveries: [{ id: 'dlv_1', endpointId: 'ep_1' }],
    });
    const [call] = calls;
    expect(call!.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/events');
    expect(JSON.parse(call!.body)).toEqual({
      tenantId: 'acme',
      type: 'order.created',
      data: { total: 1299 },
      id: 'evt_given',
    });
    // fetch derives Host from the URL; it must not be passed, but it is signed.
    expect(call!.headers.host).toBeUndefined();
    expect(call!.headers.authorization).toBe(
      referenceAuthorization({
        method: 'POST',
        url: call!.url,
        headers: { 'content-type': 'application/json' },
        body: call!.body,
        region: 'eu-west-1',
        service: 'execute-api',
        date: new Date('2026-11-20T08:15:30Z'),
        ...CREDENTIALS,
      }),
    );
  });

  it('generates an evt_ id when none is given and reuses it on every retry', async () => {
    const { client, calls } = publisher([
      json(
        503,
        { error: { code: 'dependency_unavailable', message: 'sqs is unavailable' } },
        { 'Retry-After': '1' },
      ),
      new TypeError('fetch failed'),
      json(202, { id: 'placeholder', deliveries: [] }),
    ]);
    const result = await client.publish({ tenantId: 'acme', type: 'order.created', data: {} });
    expect(calls).toHaveLength(3);
    const id = sentId(calls[0]);
    expect(id).toMatch(/^evt_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(calls.map(sentId)).toEqual([id, id, id]);
    expect(result.status).toBe(202);
  });

  it('retries a 503 and returns the 202 of the retry, with one id for both tries', async () => {
    const { client, calls, sleeps } = publisher([
      json(
        503,
        { error: { code: 'dependency_unavailable', message: 'dynamodb is unavailable' } },
        { 'Retry-After': '1' },
      ),
      accepted('evt_x'),
    ]);
    const result = await client.publish({ tenantId: 'acme', type: 'order.created', data: {}, id: 'evt_x' });
    expect(result.status).toBe(202);
    expect(calls.map(sentId)).toEqual(['evt_x', 'evt_x']);
    // Retry-After: 1 is honoured over the shorter first backoff step.
    expect(sleeps).toEqual([1000]);
  });

  it('returns 200 when the service had already stored the id (a retry after a lost answer)', async () => {
    const { client } = publisher([
      json(200, { id: 'evt_x', deliveries: [{ id: 'dlv_1', endpointId: 'ep_1' }] }),
    ]);
    expect(
      (await client.publish({ tenantId: 'acme', type: 'order.created', data: {}, id: 'evt_x' })).status,
    ).toBe(200);
  });

  it('throws a PublishError with the fields of a 422 and does not retry it', async () => {
    const { client, calls, sleeps } = publisher([
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'type: must be dotted lowercase words, e.g. order.created',
          fields: [{ field: 'type', message: 'must be dotted lowercase words, e.g. order.created' }],
        },
      }),
    ]);
    const error = await client.publish({ tenantId: 'acme', type: 'Order Created', data: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({
      name: 'PublishError',
      status: 422,
      code: 'validation_failed',
      retryable: false,
      attempts: 1,
      fields: [{ field: 'type', message: 'must be dotted lowercase words, e.g. order.created' }],
    });
    expect(error.eventId).toBe(sentId(calls[0]));
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries a 4xx, including API Gateway answers without our error body', async () => {
    for (const status of [400, 403, 404, 409, 413]) {
      const { client, calls } = publisher([json(status, { message: 'Missing Authentication Token' })]);
      const error = await client
        .publish({ tenantId: 'acme', type: 'order.created', data: {} })
        .catch((e) => e);
      expect(error).toMatchObject({ name: 'PublishError', status, code: `http_${status}`, fields: [] });
      expect(error.message).toContain('Missing Authentication Token');
      expect(calls).toHaveLength(1);
    }
  });

  it('gives up after 3 retries with growing delays and says the same id may be retried later', async () => {
    const busy = () => json(429, { error: { code: 'throttled', message: 'slow down' } });
    const { client, calls, sleeps } = publisher([busy(), busy(), busy(), busy(), accepted('never')]);
    const error = await client.publish({ tenantId: 'acme', type: 'order.created', data: {} }).catch((e) => e);
    expect(calls).toHaveLength(4);
    expect(error).toMatchObject({ status: 429, code: 'throttled', retryable: true, attempts: 4 });
    expect(new Set(calls.map(sentId)).size).toBe(1);
    expect(sleeps).toHaveLength(3);
    // Jittered exponential steps of 250, 500, 1000 ms: each between half and all of its step.
    sleeps.forEach((ms, i) => {
      const step = 250 * 2 ** i;
      expect(ms).toBeGreaterThanOrEqual(step / 2);
      expect(ms).toBeLessThanOrEqual(step);
    });
  });

  it('reports a network failure that outlasts the retries as network_error, with no status', async () => {
    const down = new TypeError('fetch failed');
    const { client, calls } = publisher([down, down, down, down]);
    const error = await client.publish({ tenantId: 'acme', type: 'order.created', data: {} }).catch((e) => e);
    expect(calls).toHaveLength(4);
    expect(error).toMatchObject({
      name: 'PublishError',
      status: undefined,
      code: 'network_error',
      retryable: true,
    });
    expect(error.cause).toBe(down);
  });

  it('stops instead of retrying early when Retry-After asks for longer than it will wait', async () => {
    const { client, calls, sleeps } = publisher([
      json(503, { error: { code: 'dependency_unavailable', message: 'x' } }, { 'Retry-After': '120' }),
      accepted('never'),
    ]);
    const error = await client.publish({ tenantId: 'acme', type: 'order.created', data: {} }).catch((e) => e);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 1 });
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-11-20T08:15:30Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Fri, 20 Nov 2026 08:15:35 GMT', now)).toBe(5000);
    expect(retryAfterMs('Fri, 20 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('rejects a 2xx answer that is not the expected body', async () => {
    const { client } = publisher([new Response('<html>', { status: 202 })]);
    await expect(client.publish({ tenantId: 'acme', type: 'order.created', data: {} })).rejects.toMatchObject(
      {
        code: 'invalid_response',
        status: 202,
      },
    );
  });

  it('uses the default Node credential chain when no credentials are given', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secretfromenv');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const fake = fakeFetch([accepted('evt_env')]);
    const client = createPublisher({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
      region: 'eu-west-1',
      fetch: fake.fetch,
    });
    await client.publish({ tenantId: 'acme', type: 'order.created', data: {}, id: 'evt_env' });
    expect(fake.calls[0]!.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/events');
    expect(fake.calls[0]!.headers.authorization).toContain('Credential=AKIDFROMENV/');
  });
});

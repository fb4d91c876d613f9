/**
 * Hostile input against every route of the real handlers (in-process local runtime): random and deeply
 * nested JSON, huge bodies, invalid UTF-8, `__proto__` / `constructor` / `prototype` keys, wrong types
 * for every field, hostile query strings and path parameters, every header missing or doubled. Each
 * answer is a 4xx with a clear JSON error (or the route's documented 2xx when the input happens to be
 * valid), never a 5xx, and a rejected request stores nothing: the table's keys are compared before and
 * after each property, and every key a successful answer created is accounted for.
 *
 * A table of hostile endpoint URLs runs against a second runtime with ALLOW_INSECURE_TARGETS=false.
 *
 * RELIABILITY_SCALE=full (npm run test:reliability) runs each property 300 times; otherwise 40.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  CreateEndpointWithSecretSchema,
  PublishEventSchema,
  RecoverSchema,
  RotateSecretSchema,
  UpdateEndpointSchema,
} from '../../lambdas/domain/schemas';
import { MAX_BODY_BYTES } from '../../lambdas/http/api';
import { ROUTES, type Route } from '../../lambdas/http/routes';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const FULL = process.env.RELIABILITY_SCALE === 'full';
/** Runs of each main property. */
const RUNS = FULL ? 300 : 40;
/** Runs of the lighter properties (one aspect of one route). */
const HALF = FULL ? 150 : 20;
/** Runs of the properties sending bodies of about 256 KB. */
const BIG = FULL ? 60 : 6;
const PROPERTY_TIMEOUT = FULL ? 600_000 : 120_000;

/** Owns the endpoints and the delivery the `{id}` substitutions use. */
const TENANT = 'hostile';
/** Well-formed, owns nothing: ids of TENANT answer 404 under it. */
const STRANGER = 'hostile-stranger';
/** Has no endpoint: a valid publish to it stores exactly one event. */
const EMPTY_TENANT = 'hostile-empty';
const CALLER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Object.prototype as it was before any request ran (the handlers share this process). */
const PROTOTYPE_BEFORE = new Map(
  Object.getOwnPropertyNames(Object.prototype).map((name) => [
    name,
    Object.getOwnPropertyDescriptor(Object.prototype, name),
  ]),
);

// ---------------------------------------------------------------------------------------------------
// A raw HTTP client: any method with any body, headers missing or repeated, exactly as given.
// ---------------------------------------------------------------------------------------------------

interface Sent {
  readonly method: string;
  /** Path and query, already encoded. */
  readonly path: string;
  readonly body?: string | Buffer;
  /** Header name/value pairs, repeated names allowed; default `content-type: application/json`. */
  readonly headers?: readonly (readonly [string, string])[];
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Hostile requests sent (reported at the end, for docs/reliability.md; a 5xx among them fails its test). */
const tally = { requests: 0 };

function send(baseUrl: string, sent: Sent): Promise<Answer> {
  tally.requests++;
  const url = new URL(baseUrl);
  const pairs = sent.headers ?? [['content-type', 'application/json']];
  const raw: string[] = ['host', url.host];
  for (const [name, value] of pairs) raw.push(name, value);
  // Framing, not a header under test: without it Node sends a GET body unframed.
  const framed = pairs.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  if (sent.body !== undefined && !framed) raw.push('content-length', String(Buffer.byteLength(sent.body)));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: sent.method, path: sent.path, headers: raw, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(sent.body);
  });
}

const describeSent = (sent: Sent) => {
  const body =
    sent.body === undefined
      ? 'no body'
      : `${typeof sent.body === 'string' ? 'text' : 'bytes'} body of ${Buffer.byteLength(sent.body)} bytes: ${String(sent.body).slice(0, 160)}`;
  return `${sent.method} ${sent.path.slice(0, 200)} (${body})`;
};

// ---------------------------------------------------------------------------------------------------
// What each route accepts: the statuses it may answer, and what a success stores.
// ---------------------------------------------------------------------------------------------------

interface RouteSpec {
  /** `ignored`: the handler never reads the body; `optional`: absent means `{}`. */
  readonly body: 'required' | 'optional' | 'ignored';
  /** What a body must pass to have a chance of being accepted (the route may still refuse it). */
  readonly schema?: z.ZodType;
  /** Takes `?tenantId=`. */
  readonly tenantQuery: boolean;
  /** Reads an optional `?tenantId=` (absent is fine; one given twice is a 422 naming it). */
  readonly optionalTenant?: boolean;
  /** What `{id}` must name for the request to be valid (under TENANT). */
  readonly idKind?: 'endpoint' | 'delivery';
  readonly success: readonly number[];
  /** The only error statuses the route may answer. */
  readonly errors: readonly number[];
  /** Query parameters, besides tenantId, that a valid request needs. */
  readonly needs?: () => string;
  /** A valid request succeeding would destroy the fixtures: never generate one. */
  readonly destructive?: boolean;
  /** A valid body (for header tests and as the base of wrong-type bodies). */
  readonly validBody?: () => Record<string, unknown>;
  /** Paged: the key attributes a `cursor` decodes to (the partition one fixed, as the listing checks). */
  readonly cursorKey?: () => { readonly fixed: Record<string, string>; readonly others: readonly string[] };
}

/** Routes not in this table (added later) are still fuzzed, with these permissive expectations. */
const UNKNOWN_ROUTE: RouteSpec = {
  body: 'optional',
  tenantQuery: true,
  success: [200, 201, 202, 204],
  errors: [400, 404, 405, 409, 413, 415, 422],
};

let endpointId = '';
let deliveryId = '';
let receiverUrl = '';
/** Creates go to a new tenant each time, so the per-tenant endpoint limit is never what answers. */
let createdTenants = 0;

const SPECS: Record<string, RouteSpec> = {
  publishEvent: {
    body: 'required',
    schema: PublishEventSchema,
    tenantQuery: false,
    success: [200, 202],
    errors: [400, 413, 415, 422],
    validBody: () => ({ tenantId: EMPTY_TENANT, type: 'order.created', data: { orderId: 'o-1' } }),
  },
  listEventTypes: {
    body: 'ignored',
    tenantQuery: false,
    optionalTenant: true,
    success: [200],
    errors: [422],
  },
  createEndpoint: {
    body: 'required',
    schema: CreateEndpointWithSecretSchema,
    tenantQuery: false,
    success: [201],
    errors: [400, 409, 413, 415, 422],
    validBody: () => ({
      tenantId: `hostile-create-${++createdTenants}`,
      url: `${receiverUrl}/created`,
      events: ['*'],
    }),
  },
  listEndpoints: {
    body: 'ignored',
    tenantQuery: true,
    success: [200],
    errors: [422],
    cursorKey: () => ({ fixed: { pk: `T#${TENANT}` }, others: ['sk'] }),
  },
  getEndpoint: { body: 'ignored', tenantQuery: true, idKind: 'endpoint', success: [200], errors: [404, 422] },
  updateEndpoint: {
    body: 'required',
    schema: UpdateEndpointSchema,
    tenantQuery: true,
    idKind: 'endpoint',
    success: [200],
    errors: [400, 404, 409, 413, 415, 422],
    validBody: () => ({ description: 'still fine' }),
  },
  deleteEndpoint: {
    body: 'ignored',
    tenantQuery: true,
    idKind: 'endpoint',
    success: [204],
    errors: [404, 422],
    destructive: true,
  },
  rotateSecret: {
    body: 'optional',
    schema: RotateSecretSchema,
    tenantQuery: true,
    idKind: 'endpoint',
    success: [200],
    errors: [400, 404, 409, 413, 415, 422],
    validBody: () => ({ expireCurrentInSeconds: 3600 }),
  },
  testEndpoint: {
    body: 'ignored',
    tenantQuery: true,
    idKind: 'endpoint',
    success: [202],
    errors: [404, 409, 422],
  },
  recoverEndpoint: {
    body: 'required',
    schema: RecoverSchema,
    tenantQuery: true,
    idKind: 'endpoint',
    success: [202],
    errors: [400, 404, 409, 413, 415, 422],
    validBody: () => ({ since: new Date(Date.now() - 3_600_000).toISOString() }),
  },
  listDeliveries: {
    body: 'ignored',
    tenantQuery: true,
    success: [200],
    errors: [422],
    needs: () => `endpointId=${endpointId}`,
    cursorKey: () => ({ fixed: { gsi1pk: `EP#${TENANT}#${endpointId}` }, others: ['gsi1sk', 'pk', 'sk'] }),
  },
  getDelivery: { body: 'ignored', tenantQuery: true, idKind: 'delivery', success: [200], errors: [404, 422] },
  replayDelivery: {
    body: 'ignored',
    tenantQuery: true,
    idKind: 'delivery',
    success: [202],
    errors: [404, 409, 422],
  },
  health: { body: 'ignored', tenantQuery: false, success: [200], errors: [] },
  openapi: { body: 'ignored', tenantQuery: false, success: [200], errors: [] },
};

const specOf = (route: Route): RouteSpec => SPECS[route.operation] ?? UNKNOWN_ROUTE;
const known = (route: Route) => SPECS[route.operation] !== undefined;
const hasId = (route: Route) => /\{[^}]+\}/.test(route.path);
const readsBody = (route: Route) => specOf(route).body !== 'ignored';
const label = (route: Route) =>
  `${route.method} ${route.path}${known(route) ? '' : ' (no spec: permissive)'}`;

/** The route's path with every `{param}` replaced by `segment` (already encoded). */
const pathOf = (route: Route, segment: string, query: string) =>
  `${route.path.replace(/\{[^}]+\}/g, segment)}${query ? `?${query}` : ''}`;

// ---------------------------------------------------------------------------------------------------
// Judging an answer.
// ---------------------------------------------------------------------------------------------------

const CODES: Record<number, string> = {
  400: 'malformed_request',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
};

interface FieldIssue {
  readonly field: string;
  readonly message: string;
}
interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly fields?: readonly FieldIssue[];
}

const errorOf = (answer: Answer): ErrorBody | undefined =>
  (answer.json as { error?: ErrorBody } | undefined)?.error;

const field = <T>(answer: Answer, name: string): T => (answer.json as Record<string, T>)[name]!;

/** Secrets handed out so far: no answer may ever contain one again. */
const knownSecrets: string[] = [];

/** Which statuses are acceptable: the route's success, its errors, or either. */
type Outcome = 'success' | 'error' | 'either';

function judge(route: Route, sent: Sent, answer: Answer, outcome: Outcome): void {
  const spec = specOf(route);
  const where = `${describeSent(sent)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, `5xx for ${where}`).toBeLessThan(500);
  const allowed =
    outcome === 'success'
      ? spec.success
      : outcome === 'error'
        ? spec.errors
        : [...spec.success, ...spec.errors];
  expect(allowed, `unexpected status for ${where}`).toContain(answer.status);
  if (answer.status >= 400) {
    expect(answer.headers['content-type'], where).toMatch(/^application\/json/);
    const error = errorOf(answer);
    expect(error?.code, `error code for ${where}`).toBe(CODES[answer.status]);
    expect(
      typeof error?.message === 'string' && error.message.trim().length > 0,
      `message for ${where}`,
    ).toBe(true);
    if (answer.status === 422) {
      expect(Array.isArray(error?.fields) && error.fields.length > 0, `fields for ${where}`).toBe(true);
      for (const issue of error?.fields ?? []) {
        expect(typeof issue.field, where).toBe('string');
        expect(typeof issue.message === 'string' && issue.message.length > 0, where).toBe(true);
      }
    }
    if (answer.status === 405) expect(answer.headers.allow, where).toBeTruthy();
  }
  for (const secret of knownSecrets)
    expect(answer.text.includes(secret), `secret leaked: ${where}`).toBe(false);
  expect(({} as Record<string, unknown>).polluted, `Object.prototype polluted by ${where}`).toBeUndefined();
  // Secrets handed out now are checked from the next answer on.
  if (route.operation === 'createEndpoint' && answer.status === 201)
    knownSecrets.push(field(answer, 'secret'));
  if (route.operation === 'rotateSecret' && answer.status === 200) knownSecrets.push(field(answer, 'secret'));
}

// ---------------------------------------------------------------------------------------------------
// Storage: the table's keys before and after, and the keys each success accounts for.
// ---------------------------------------------------------------------------------------------------

/** Net effect of the successful requests on the table's keys: +1 stored, -1 deleted. */
interface Ledger {
  readonly net: Map<string, number>;
  /**
   * Deliveries that successful publishes and replays created: their records (and attempts) appear in their
   * endpoint's partition when the first attempt is made, which may or may not be before the check.
   */
  readonly deliveries: Set<string>;
  /** Tenants that created an endpoint: their endpoint count (`META`) may be new. */
  readonly counted: Set<string>;
  unknown: boolean;
}
const note = (ledger: Ledger, key: string, delta: number) =>
  ledger.net.set(key, (ledger.net.get(key) ?? 0) + delta);

async function tableKeys(runtime: Runtime): Promise<Set<string>> {
  const keys = new Set<string>();
  let start: Record<string, never> | undefined;
  do {
    const out = await runtime.dynamo.send(
      new ScanCommand({
        TableName: runtime.config.tableName,
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) keys.add(`${item.pk?.S}|${item.sk?.S}`);
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return keys;
}

/** Records what a successful answer stored (or deleted); refuses a success of a route it cannot account for. */
function account(ledger: Ledger, route: Route, sent: Sent, answer: Answer): void {
  if (answer.status >= 300) return;
  switch (route.operation) {
    case 'publishEvent': {
      if (answer.status !== 202) return;
      const tenantId = (JSON.parse(String(sent.body)) as { tenantId: string }).tenantId;
      note(ledger, `EV#${tenantId}#${field<string>(answer, 'id')}|EV`, 1);
      for (const d of field<{ id: string }[]>(answer, 'deliveries')) ledger.deliveries.add(d.id);
      return;
    }
    case 'createEndpoint':
      note(ledger, `T#${field<string>(answer, 'tenantId')}|EP#${field<string>(answer, 'id')}`, 1);
      ledger.counted.add(field<string>(answer, 'tenantId'));
      return;
    case 'replayDelivery':
      ledger.deliveries.add(field<string>(answer, 'id'));
      return;
    case 'testEndpoint': {
      const tenantId = new URLSearchParams(sent.path.split('?')[1]).get('tenantId');
      note(ledger, `EV#${tenantId}#${field<string>(answer, 'eventId')}|EV`, 1);
      ledger.deliveries.add(field<string>(answer, 'deliveryId'));
      return;
    }
    case 'deleteEndpoint': {
      const id = decodeURIComponent(sent.path.split('?')[0]!.split('/').pop()!);
      note(ledger, `T#${new URLSearchParams(sent.path.split('?')[1]).get('tenantId')}|EP#${id}`, -1);
      return;
    }
    default:
      if (!known(route)) ledger.unknown = true;
  }
}

/** Runs `body`, then checks the table gained and lost exactly the keys the ledger accounts for. */
async function storesOnlyWhatSucceeded(runtime: Runtime, body: (ledger: Ledger) => Promise<void>) {
  const before = await tableKeys(runtime);
  const ledger: Ledger = { net: new Map(), deliveries: new Set(), counted: new Set(), unknown: false };
  await body(ledger);
  const after = await tableKeys(runtime);
  if (ledger.unknown) return; // a route without a spec succeeded: what it stores is unknown
  const accountedFor = (key: string) => {
    const [pk, sk] = key.split('|') as [string, string];
    if (sk === 'META') return ledger.counted.has(pk.slice(2));
    const id = /^(?:DL#|AT#)(dlv_[^#]+)/.exec(sk)?.[1];
    return pk.startsWith('EP#') && id !== undefined && ledger.deliveries.has(id);
  };
  const added = [...after].filter((k) => !before.has(k) && !accountedFor(k)).sort();
  const removed = [...before].filter((k) => !after.has(k)).sort();
  const keysWith = (sign: number) =>
    [...ledger.net]
      .filter(([, n]) => Math.sign(n) === sign)
      .map(([k]) => k)
      .sort();
  expect(added, 'items stored that no successful request accounts for').toEqual(keysWith(1));
  expect(removed, 'items removed that no successful request accounts for').toEqual(keysWith(-1));
  // Events of the tenant without endpoints (up to 256 KB each) are dropped once counted: every later
  // scan would read them again. Nothing refers to them.
  for (const key of added.filter((k) => k.startsWith(`EV#${EMPTY_TENANT}#`))) {
    const [pk, sk] = key.split('|') as [string, string];
    await runtime.dynamo.send(
      new DeleteItemCommand({ TableName: runtime.config.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries.
// ---------------------------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as the handler will parse it: undefined when it is not JSON (or too large, or not UTF-8). */
function parsedBody(route: Route, body: string | Buffer | undefined): { ok: boolean; value?: unknown } {
  const bytes =
    body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (bytes.length === 0) return specOf(route).body === 'optional' ? { ok: true, value: {} } : { ok: false };
  if (bytes.length > MAX_BODY_BYTES) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/** Whether the body could be accepted by the route: it is JSON and passes the route's schema. */
function bodyMayPass(route: Route, body: string | Buffer | undefined): boolean {
  const spec = specOf(route);
  if (spec.body === 'ignored') return true;
  const parsed = parsedBody(route, body);
  if (!parsed.ok) return false;
  return spec.schema ? spec.schema.safeParse(parsed.value).success : true;
}

type TenantKind =
  | 'valid'
  | 'other'
  | 'missing'
  | 'empty'
  | 'doubled'
  | 'doubledDifferent'
  | 'long'
  | 'wrongCase';
interface TenantVariant {
  readonly kind: TenantKind | 'malformed';
  readonly query: string;
}
const TENANT_QUERIES: Record<TenantKind, string> = {
  valid: `tenantId=${TENANT}`,
  other: `tenantId=${STRANGER}`,
  missing: '',
  empty: 'tenantId=',
  doubled: `tenantId=${TENANT}&tenantId=${TENANT}`,
  doubledDifferent: `tenantId=${TENANT}&tenantId=${STRANGER}`,
  long: `tenantId=${'a'.repeat(129)}`,
  wrongCase: `TenantId=${TENANT}`,
};
const tenantArb: fc.Arbitrary<TenantVariant> = fc.oneof(
  fc.constantFrom(...(Object.keys(TENANT_QUERIES) as TenantKind[])).map((kind) => ({
    kind,
    query: TENANT_QUERIES[kind],
  })),
  fc
    .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
    .filter((s) => !CALLER_ID.test(s))
    .map((s) => ({ kind: 'malformed' as const, query: `tenantId=${encodeURIComponent(s)}` })),
);
const tenantWellFormed = (t: TenantVariant) => t.kind === 'valid' || t.kind === 'other';

interface IdVariant {
  readonly kind: 'endpoint' | 'delivery' | 'random';
  /** The encoded path segment; resolved from the fixtures when empty. */
  readonly segment: string;
}
const randomIdArb: fc.Arbitrary<IdVariant> = fc.oneof(
  fc
    .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
    .filter((s) => s !== '.' && s !== '..')
    .map((s) => ({ kind: 'random' as const, segment: encodeURIComponent(s) })),
  fc
    .string({ minLength: 1, maxLength: 20, unit: 'binary-ascii' })
    .filter((s) => s !== '.' && s !== '..')
    .map((s) => ({ kind: 'random' as const, segment: encodeURIComponent(s) })),
  // Escapes that do not decode to UTF-8, NUL, an encoded slash, a lone percent sign, an id of another kind.
  fc
    .constantFrom(
      '%FF',
      '%ED%A0%80',
      '%C0%AF',
      '%00',
      '%2F',
      '%25',
      '%',
      'ep_',
      'dlv_00000000000000000000000000',
    )
    .map((segment) => ({ kind: 'random' as const, segment })),
);
const idArb: fc.Arbitrary<IdVariant> = fc.oneof(
  fc.constantFrom<IdVariant>({ kind: 'endpoint', segment: '' }, { kind: 'delivery', segment: '' }),
  randomIdArb,
);
const segmentOf = (id: IdVariant) =>
  id.kind === 'endpoint' ? endpointId : id.kind === 'delivery' ? deliveryId : id.segment;

/** JSON text with a key placed first, so `__proto__` is an own property of the parsed object. */
const withKeyFirst = (key: string, value: string, rest: Record<string, unknown>) => {
  const tail = JSON.stringify(rest).slice(1);
  return `{${JSON.stringify(key)}:${value}${tail === '}' ? '}' : `,${tail}`}`;
};
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const pollutingValue = '{"polluted":"yes","prototype":{"polluted":"yes"},"__proto__":{"polluted":"yes"}}';

/** Deep nesting as text: `depth` arrays or objects around a leaf (no recursion needed to build it). */
const nestedText = (depth: number, kinds: readonly boolean[], leaf: string) => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const asObject = kinds[i % Math.max(1, kinds.length)] ?? false;
    open += asObject ? '{"a":' : '[';
    close = (asObject ? '}' : ']') + close;
  }
  return `${open}${leaf}${close}`;
};

interface Nested {
  readonly depth: number;
  readonly text: string;
}
/** Nested JSON text that prints as its shape in counterexamples, not as 100 KB of brackets. */
const nested = (depth: number, kinds: readonly boolean[], leaf: string): Nested => {
  const text = nestedText(depth, kinds, leaf);
  const shape = kinds.map((k) => (k ? '{' : '[')).join('');
  return Object.assign(
    { depth, text },
    { [fc.toStringMethod]: () => `nested(depth ${depth}, cycle ${shape}, leaf ${leaf.slice(0, 40)})` },
  );
};

/** A random JSON tree built with fc.letrec (bounded depth, shrinks well). */
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 0 }),
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('tree'), { maxKeys: 3 }),
  ),
}));

const deepArb = fc
  .tuple(
    fc.integer({ min: 1, max: 200 }),
    fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
    fc.jsonValue(),
  )
  .map(([depth, kinds, leaf]) => nested(depth, kinds, JSON.stringify(leaf) ?? 'null'));

/** Every kind of hostile body, as sent on the wire (undefined: no body at all). */
function hostileBodyArb(route: Route): fc.Arbitrary<string | Buffer | undefined> {
  const base = specOf(route).validBody?.() ?? {};
  return fc.oneof(
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.anything().map((v) => {
      try {
        return JSON.stringify(v) ?? '';
      } catch {
        return String(v);
      }
    }),
    tree.map((v) => JSON.stringify(v)),
    deepArb.map((d) => d.text),
    fc
      .tuple(fc.constantFrom(...PROTO_KEYS), fc.boolean())
      .map(([key, inBase]) =>
        inBase ? withKeyFirst(key, pollutingValue, base) : `{${JSON.stringify(key)}:${pollutingValue}}`,
      ),
    fc.constantFrom(undefined, '', ' ', 'null', '[]', '""', '0', 'true', '{', '\uFEFF{}', '{"a":1}{"b":2}'),
    fc.string({ maxLength: 60 }),
    fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  );
}

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, surrogates, truncation. */
const invalidUtf8Arb = fc
  .tuple(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      [0x80],
      [0xbf],
      [0xc0, 0xaf],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5],
      [0xfe],
      [0xff],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
    ),
    fc.string({ maxLength: 30 }),
    fc.boolean(),
  )
  .map(([before, bad, after, quoted]) =>
    Buffer.concat([
      Buffer.from(quoted ? `{"tenantId":"${before}` : before, 'utf8'),
      Buffer.from(bad),
      Buffer.from(quoted ? `${after}"}` : after, 'utf8'),
    ]),
  );

// ---------------------------------------------------------------------------------------------------
// Wrong values per field of the body schemas. Each is wrong for that field whatever the others are.
// ---------------------------------------------------------------------------------------------------

const notString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);
const badCallerId = fc.oneof(
  notString,
  fc.constantFrom('', 'a'.repeat(129), 'a#b', 'a/b', 'a b', 'é', 'T#x', 'a\u0000', 'a\nb'),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !CALLER_ID.test(s)),
);
const badEventType = fc.oneof(
  notString,
  fc.constantFrom(
    '',
    'Order.Created',
    'order..created',
    'order.created ',
    '.order',
    'order.',
    'x'.repeat(129),
  ),
  // Well-formed, but not in the catalog: the domain refuses it.
  fc.constantFrom('not.in.catalog', 'ping', 'order.createdx'),
);
const badEvents = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant('order.created'), fc.constant({})),
  fc.constant([]),
  fc.constant(Array.from({ length: 101 }, () => 'order.created')),
  badEventType.map((t) => [t]),
  badEventType.map((t) => ['order.created', t]),
);
const badUrl = fc.oneof(
  notString,
  fc.constantFrom('', 'not a url', '/relative', '//host/path', 'ftp://example.com/', 'javascript:alert(1)'),
  fc.constant(`https://example.com/${'a'.repeat(2049)}`),
  fc.constant('https://user:password@example.com/'),
);
const badDescription = fc.oneof(notString, fc.string({ minLength: 501, maxLength: 700 }));
const badEnum = fc.oneof(
  notString,
  fc.string({ maxLength: 12 }).filter((s) => !['sequential', 'strict', 'enabled', 'disabled'].includes(s)),
);
const badSecret = fc.oneof(
  notString,
  fc.string({ maxLength: 23 }),
  fc.constantFrom('a'.repeat(257), `${'a'.repeat(24)} b`, `${'a'.repeat(24)}\u0000`, `${'é'.repeat(30)}`),
);
const badSeconds = fc.oneof(
  fc.constantFrom('60', '', null, true, [], {}, -1, 604_801, 1.5, 1e308, -0.5),
  fc.integer({ min: 604_801 }),
  fc.integer({ max: -1 }),
);
const badSince = fc.oneof(
  notString,
  fc.constantFrom('', 'yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-23', '0'),
  // Well-formed, but in the future or before the retention period: the domain refuses it.
  fc.constantFrom(new Date(Date.now() + 86_400_000).toISOString(), '2000-01-01T00:00:00Z'),
);

const WRONG: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  publishEvent: {
    tenantId: badCallerId,
    type: badEventType,
    data: fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue())),
    id: badCallerId,
  },
  createEndpoint: {
    tenantId: badCallerId,
    url: badUrl,
    events: badEvents,
    description: badDescription,
    ordering: badEnum,
    secret: badSecret,
  },
  updateEndpoint: {
    url: badUrl,
    events: badEvents,
    description: badDescription,
    status: badEnum,
    ordering: badEnum,
  },
  rotateSecret: { expireCurrentInSeconds: badSeconds },
  recoverEndpoint: { since: badSince },
};
/** Required fields; a route with none (PATCH) gets the empty body `{}` instead. Rotation has no such case. */
const REQUIRED: Record<string, readonly string[]> = {
  publishEvent: ['tenantId', 'type', 'data'],
  createEndpoint: ['tenantId', 'url', 'events'],
  recoverEndpoint: ['since'],
  updateEndpoint: [''],
};

// ---------------------------------------------------------------------------------------------------

describe('hostile input on every route', () => {
  let runtime: Runtime;
  let secure: Runtime;
  let receiver: Receiver;
  let realCursor = '';

  const call = (sent: Sent) => send(runtime.url, sent);
  const property = <T>(arb: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arb, predicate), { numRuns });

  beforeAll(async () => {
    receiver = await startReceiver();
    receiverUrl = receiver.url;
    [runtime, secure] = await Promise.all([
      startTestRuntime(),
      startTestRuntime({ env: { ALLOW_INSECURE_TARGETS: 'false' } }),
    ]);
    const api = apiClient(runtime.url);
    for (const n of [1, 2]) {
      const created = await api.createEndpoint({
        tenantId: TENANT,
        url: `${receiver.url}/ep${n}`,
        events: ['*'],
      });
      expect(created.status).toBe(201);
      knownSecrets.push(created.body.secret);
      endpointId ||= created.body.id;
    }
    const published = await api.publish({ tenantId: TENANT, type: 'order.created', data: { n: 1 } });
    expect(published.status).toBe(202);
    deliveryId = published.body.deliveries.find(
      (d: { endpointId: string }) => d.endpointId === endpointId,
    ).id;
    // Replaying it is valid only once it has ended.
    await eventually(async () => {
      const detail = await api.delivery(TENANT, deliveryId);
      return detail.body?.status === 'succeeded' ? true : undefined;
    });
    const page = await api.call('GET', `/v1/endpoints?tenantId=${TENANT}&limit=1`);
    realCursor = page.body.cursor;
    expect(realCursor).toBeTruthy();
  }, 60_000);

  afterAll(async () => {
    console.info(
      `hostile input: ${tally.requests} hostile requests over ${ROUTES.length} routes (fast-check runs per ` +
        `property: ${RUNS})`,
    );
    agent.destroy();
    await Promise.all([runtime?.stop(), secure?.stop()]);
    await receiver?.close();
  });

  describe.each(ROUTES.map((route) => ({ route, name: label(route) })))('$name', ({ route }) => {
    const spec = specOf(route);

    it(
      'answers a clear 4xx to hostile bodies, tenant ids and path ids, never a 5xx, and stores nothing',
      async () => {
        await storesOnlyWhatSucceeded(runtime, (ledger) =>
          property(
            fc.record({ tenant: tenantArb, id: idArb, body: hostileBodyArb(route) }),
            RUNS,
            async ({ tenant, id: drawn, body }) => {
              // Never generate a valid destructive request: it would delete the fixtures.
              const id =
                spec.destructive && tenant.kind === 'valid' && drawn.kind === spec.idKind
                  ? { kind: 'random' as const, segment: 'does-not-exist' }
                  : drawn;
              const query = [tenant.query, spec.needs?.()].filter(Boolean).join('&');
              const sent: Sent = { method: route.method, path: pathOf(route, segmentOf(id), query), body };
              const answer = await call(sent);
              const queryOk = !spec.tenantQuery || tenantWellFormed(tenant);
              const idOk = !hasId(route) || (tenant.kind === 'valid' && id.kind === spec.idKind);
              const outcome: Outcome = !known(route)
                ? 'either'
                : spec.optionalTenant && !tenantWellFormed(tenant)
                  ? 'either'
                  : !queryOk || !idOk
                    ? 'error'
                    : spec.body === 'ignored'
                      ? 'success'
                      : bodyMayPass(route, body)
                        ? 'either'
                        : 'error';
              judge(route, sent, answer, outcome);
              account(ledger, route, sent, answer);
            },
          ),
        );
      },
      PROPERTY_TIMEOUT,
    );

    it(
      'answers 4xx to hostile query strings (proto keys, doubled and forged parameters), never a 5xx',
      async () => {
        const forgedCursor = fc
          .record(
            {
              pk: fc.constantFrom(`T#${TENANT}`, `T#${STRANGER}`),
              gsi1pk: fc.constant(`EP#${TENANT}#${endpointId}`),
              sk: fc.oneof(
                fc.string({ maxLength: 8 }),
                fc.integer(),
                fc.constant(null),
                fc.constant({ S: 'x' }),
              ),
              extra: fc.jsonValue({ maxDepth: 1 }),
            },
            { requiredKeys: [] },
          )
          .map((key) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url'));
        const key = fc.oneof(
          fc.constantFrom('tenantId', 'limit', 'cursor', 'endpointId', 'eventId', 'status'),
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
          fc.string({ maxLength: 10 }),
        );
        const value = fc.oneof(
          fc.constantFrom(
            TENANT,
            STRANGER,
            endpointId,
            deliveryId,
            'pending',
            'failed',
            '1',
            '100',
            '101',
            '0',
          ),
          fc.constantFrom('-1', '1.5', '1e2', '0x10', ' 5 ', 'NaN', 'Infinity', '', realCursor),
          forgedCursor,
          fc.string({ maxLength: 40 }),
        );
        // Pieces of raw query syntax, not encoded: stray separators, bad escapes.
        const rawPiece = fc.constantFrom('&', '&&', '=', '==', '%', '%FF', '%zz', 'a=b=c', '+', '#frag', '?');
        const query = fc
          .array(
            fc.oneof(
              fc.tuple(key, value).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
              rawPiece,
            ),
            {
              maxLength: 6,
            },
          )
          .map((parts) => parts.join('&'));
        await storesOnlyWhatSucceeded(runtime, (ledger) =>
          property(fc.record({ id: idArb, query }), HALF, async ({ id: drawn, query: q }) => {
            const id = spec.destructive ? { kind: 'random' as const, segment: 'does-not-exist' } : drawn;
            const sent: Sent = {
              method: route.method,
              path: pathOf(route, segmentOf(id), q),
              ...(readsBody(route) ? { body: JSON.stringify(spec.validBody?.() ?? {}) } : {}),
            };
            const answer = await call(sent);
            judge(route, sent, answer, 'either');
            account(ledger, route, sent, answer);
          }),
        );
      },
      PROPERTY_TIMEOUT,
    );

    it('gives the same answer with every header missing or doubled (except a doubled tenantId: 422)', async () => {
      const valid = async (ledger: Ledger): Promise<Sent> => {
        let id = endpointId;
        if (spec.idKind === 'delivery') id = deliveryId;
        if (spec.destructive) {
          // A throwaway endpoint per request, so the valid request really runs.
          const created = await apiClient(runtime.url).createEndpoint({
            tenantId: TENANT,
            url: `${receiver.url}/throwaway`,
            events: ['*'],
          });
          knownSecrets.push(created.body.secret);
          id = created.body.id;
          note(ledger, `T#${TENANT}|EP#${id}`, 1);
        }
        const query = [spec.tenantQuery ? `tenantId=${TENANT}` : '', spec.needs?.()]
          .filter(Boolean)
          .join('&');
        const body = spec.validBody?.();
        return {
          method: route.method,
          path: pathOf(route, id, query),
          ...(body && readsBody(route) ? { body: JSON.stringify(body) } : {}),
        };
      };
      const json = 'application/json';
      const variants: Record<string, readonly (readonly [string, string])[]> = {
        'no headers at all': [],
        'content-type doubled': [
          ['content-type', json],
          ['content-type', json],
        ],
        'content-type doubled, conflicting': [
          ['content-type', json],
          ['content-type', 'text/plain'],
        ],
        'content-type text/plain': [['content-type', 'text/plain']],
        'content-type with a foreign charset': [['content-type', 'application/json; charset=latin1']],
        'content-type multipart': [['content-type', 'multipart/form-data; boundary=x']],
        'a header named __proto__': [
          ['content-type', json],
          ['__proto__', 'x'],
        ],
        'headers named constructor and hasOwnProperty, doubled': [
          ['content-type', json],
          ['constructor', 'a'],
          ['constructor', 'b'],
          ['hasOwnProperty', 'c'],
          ['hasOwnProperty', 'd'],
        ],
        'an 8 KB header': [
          ['content-type', json],
          ['x-pad', 'x'.repeat(8 * 1024)],
        ],
        'chunked instead of content-length': [
          ['content-type', json],
          ['transfer-encoding', 'chunked'],
        ],
        'authorization doubled': [
          ['content-type', json],
          ['authorization', 'AWS4-HMAC-SHA256 a'],
          ['authorization', 'AWS4-HMAC-SHA256 b'],
        ],
      };
      await storesOnlyWhatSucceeded(runtime, async (ledger) => {
        const reference = await valid(ledger);
        const expected = await call(reference);
        judge(route, reference, expected, known(route) ? 'success' : 'either');
        account(ledger, route, reference, expected);
        for (const [name, headers] of Object.entries(variants)) {
          const sent = { ...(await valid(ledger)), headers };
          const answer = await call(sent);
          // A body sent as anything but JSON in UTF-8 is a 415 wherever the body is read.
          const notJson = headers.some(([header, value]) => header === 'content-type' && value !== json);
          const refused = notJson && sent.body !== undefined && readsBody(route);
          judge(route, sent, answer, refused ? 'error' : known(route) ? 'success' : 'either');
          expect(answer.status, `${name}: ${describeSent(sent)} -> ${answer.text.slice(0, 200)}`).toBe(
            refused ? 415 : expected.status,
          );
          account(ledger, route, sent, answer);
        }
        if (spec.tenantQuery) {
          const base = await valid(ledger);
          for (const doubled of [`tenantId=${TENANT}`, `tenantId=${STRANGER}`]) {
            const sent = { ...base, path: `${base.path}&${doubled}` };
            const answer = await call(sent);
            judge(route, sent, answer, 'error');
            if (known(route)) {
              expect(answer.status).toBe(422);
              expect(errorOf(answer)?.fields?.map((f) => f.field)).toContain('tenantId');
            }
          }
          if (spec.destructive) {
            // The throwaway endpoint the doubled requests did not delete.
            const cleanup = await call({ method: 'DELETE', path: base.path });
            account(ledger, route, base, cleanup);
          }
        }
      });
    });

    if (hasId(route))
      it(
        'answers 404 or 422 to huge, unicode and odd path ids, never a 5xx',
        async () => {
          const hugeId = fc
            .tuple(fc.constantFrom('a', 'é', '😀', '#', '%', '\u0000'), fc.integer({ min: 300, max: 3000 }))
            .map(([ch, n]) => encodeURIComponent(ch.repeat(n)))
            // Stay under Node's 16 KB request-head limit (API Gateway has its own).
            .filter((segment) => segment.length < 12_000);
          await storesOnlyWhatSucceeded(runtime, (ledger) =>
            property(
              fc.oneof(
                hugeId,
                randomIdArb.map((v) => v.segment),
              ),
              HALF,
              async (segment) => {
                const query = [spec.tenantQuery ? `tenantId=${TENANT}` : '', spec.needs?.()]
                  .filter(Boolean)
                  .join('&');
                const body = spec.validBody?.();
                const sent: Sent = {
                  method: route.method,
                  path: pathOf(route, segment, query),
                  ...(body && readsBody(route) ? { body: JSON.stringify(body) } : {}),
                };
                const answer = await call(sent);
                judge(route, sent, answer, known(route) ? 'error' : 'either');
                if (known(route)) expect([404, 422], describeSent(sent)).toContain(answer.status);
                account(ledger, route, sent, answer);
              },
            ),
          );
        },
        PROPERTY_TIMEOUT,
      );

    if (spec.cursorKey !== undefined)
      it(
        'answers 200 or a 422 naming cursor to forged and garbage cursors, never a 5xx',
        async () => {
          const { fixed, others } = spec.cursorKey!();
          const attribute = fc.oneof(
            fc.string({ maxLength: 30 }),
            fc.constantFrom('EP#', 'EP#zzzz', 'DL', `DL#${deliveryId}`, deliveryId, ''),
            fc.integer(),
            fc.constant(null),
            fc.boolean(),
            fc.constant({ S: 'EP#x' }),
            fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
          );
          const forged = fc
            .record({
              others: fc.tuple(...others.map(() => fc.option(attribute, { nil: undefined }))),
              extra: fc.option(
                fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
                {
                  nil: undefined,
                },
              ),
            })
            .map(({ others: values, extra }) => {
              const key: Record<string, unknown> = { ...extra, ...fixed };
              others.forEach((name, i) => {
                if (values[i] !== undefined) key[name] = values[i];
              });
              return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
            });
          const garbage = fc.oneof(
            fc.string({ maxLength: 40 }),
            fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')),
            fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('base64url')),
          );
          await storesOnlyWhatSucceeded(runtime, (ledger) =>
            property(
              fc.oneof({ arbitrary: forged, weight: 3 }, { arbitrary: garbage, weight: 1 }),
              HALF,
              async (cursor) => {
                const query = [
                  `tenantId=${TENANT}`,
                  spec.needs?.(),
                  `limit=1&cursor=${encodeURIComponent(cursor)}`,
                ]
                  .filter(Boolean)
                  .join('&');
                const sent: Sent = { method: route.method, path: pathOf(route, '', query) };
                const answer = await call(sent);
                judge(route, sent, answer, 'either');
                if (answer.status === 422)
                  expect(errorOf(answer)?.fields?.map((f) => f.field)).toContain('cursor');
                account(ledger, route, sent, answer);
              },
            ),
          );
        },
        PROPERTY_TIMEOUT,
      );

    if (readsBody(route))
      describe('body', () => {
        const tenantQuery = spec.tenantQuery ? `tenantId=${TENANT}` : '';
        const target = () => pathOf(route, endpointId, tenantQuery);

        it(
          'answers 400 naming UTF-8 to bodies that are not UTF-8, stores nothing',
          async () => {
            await storesOnlyWhatSucceeded(runtime, (ledger) =>
              property(invalidUtf8Arb, HALF, async (body) => {
                const sent: Sent = { method: route.method, path: target(), body };
                const answer = await call(sent);
                judge(route, sent, answer, known(route) ? 'error' : 'either');
                if (known(route)) {
                  expect(answer.status, describeSent(sent)).toBe(400);
                  expect(errorOf(answer)?.message).toMatch(/UTF-8/);
                }
                account(ledger, route, sent, answer);
              }),
            );
          },
          PROPERTY_TIMEOUT,
        );

        it(
          'answers 413 past 256 KB (counted in bytes, not characters), stores nothing',
          async () => {
            const sized = fc.record({
              bytes: fc.oneof(
                fc.integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES + 64 }),
                fc.integer({ min: 200 * 1024, max: 300 * 1024 }),
              ),
              // Padding of 1, 2 or 4 bytes per character.
              pad: fc.constantFrom('x', 'é', '😀'),
              at: fc.constantFrom('string', ...Object.keys(WRONG[route.operation] ?? {}), 'unknownField'),
            });
            await storesOnlyWhatSucceeded(runtime, (ledger) =>
              property(sized, BIG, async ({ bytes, pad, at }) => {
                const base = { ...(spec.validBody?.() ?? {}) };
                // Publish to a tenant with no endpoint; the padded field is `data.s` for publish.
                const container = route.operation === 'publishEvent' ? 'data' : at;
                const shell =
                  at === 'string'
                    ? '""'
                    : container === 'data'
                      ? JSON.stringify({ ...base, data: { s: '' } })
                      : JSON.stringify({ ...base, [at]: '' });
                const room = Math.max(0, bytes - Buffer.byteLength(shell));
                const padding = pad.repeat(Math.ceil(room / Buffer.byteLength(pad)));
                const body =
                  at === 'string'
                    ? JSON.stringify(padding)
                    : container === 'data'
                      ? JSON.stringify({ ...base, data: { s: padding } })
                      : JSON.stringify({ ...base, [at]: padding });
                const size = Buffer.byteLength(body);
                const sent: Sent = { method: route.method, path: target(), body };
                const answer = await call(sent);
                judge(route, sent, answer, 'either');
                if (known(route) && size > MAX_BODY_BYTES) {
                  expect(answer.status, `${size} bytes`).toBe(413);
                  expect(errorOf(answer)?.message).toMatch(/262144/);
                }
                if (known(route) && size <= MAX_BODY_BYTES)
                  expect(answer.status, `${size} bytes`).not.toBe(413);
                account(ledger, route, sent, answer);
              }),
            );
          },
          PROPERTY_TIMEOUT,
        );

        it(
          'handles deep nesting (fc.letrec trees, chains up to depth 200, and far deeper) without a 5xx',
          async () => {
            // Object-rooted (so it is a valid `data`), from just past 200 to past what fits in 256 KB.
            const veryDeep = fc
              .tuple(
                fc.oneof(
                  fc.integer({ min: 201, max: 5_000 }),
                  fc.integer({ min: 5_000, max: 45_000 }),
                  fc.integer({ min: 45_000, max: 140_000 }),
                ),
                fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
              )
              .map(([depth, kinds]) => nested(depth, [true, ...kinds], '1'));
            const shape = fc.oneof(
              deepArb,
              tree.map((v): Nested => ({ depth: 0, text: JSON.stringify(v) })),
              veryDeep,
            );
            const where = fc.oneof(
              // Publish: mostly inside `data`, the one field that takes any JSON.
              { arbitrary: fc.constant('data'), weight: route.operation === 'publishEvent' ? 6 : 1 },
              {
                arbitrary: fc.constantFrom('whole', ...Object.keys(WRONG[route.operation] ?? {})),
                weight: 2,
              },
            );
            await storesOnlyWhatSucceeded(runtime, (ledger) =>
              property(fc.record({ nested: shape, where }), HALF, async ({ nested, where: at }) => {
                const base = spec.validBody?.() ?? {};
                const body =
                  at === 'whole'
                    ? nested.text
                    : withKeyFirst(
                        at,
                        nested.text,
                        Object.fromEntries(Object.entries(base).filter(([k]) => k !== at)),
                      );
                const sent: Sent = { method: route.method, path: target(), body };
                const answer = await call(sent);
                const outcome: Outcome = !known(route)
                  ? 'either'
                  : bodyMayPass(route, body)
                    ? 'either'
                    : 'error';
                judge(route, sent, answer, outcome);
                const validPublish = route.operation === 'publishEvent' && bodyMayPass(route, body);
                // A valid publish nested up to 200 deep is an ordinary event.
                if (validPublish && nested.depth <= 200) expect(answer.status, describeSent(sent)).toBe(202);
                account(ledger, route, sent, answer);
              }),
            );
          },
          PROPERTY_TIMEOUT,
        );

        if (WRONG[route.operation] !== undefined)
          it(
            'answers 422 naming the field for a wrong type or value in any field, a missing one or an unknown one',
            async () => {
              const wrong = WRONG[route.operation]!;
              type Case = { name: string; value: unknown; kind: 'wrong' | 'missing' | 'unknown' };
              const cases: fc.Arbitrary<Case>[] = [
                fc
                  .constantFrom(...Object.keys(wrong))
                  .chain((name) => wrong[name]!.map((value): Case => ({ name, value, kind: 'wrong' }))),
                fc
                  .constantFrom('__proto__', 'constructor', 'prototype', 'tenantID', 'extra')
                  .map((name): Case => ({ name, value: pollutingValue, kind: 'unknown' })),
              ];
              const required = REQUIRED[route.operation] ?? [];
              // A missing required field; for PATCH, a body changing nothing (`{}`), named as the body ('').
              if (required.length > 0)
                cases.push(
                  fc
                    .constantFrom(...required)
                    .map((name): Case => ({ name, value: undefined, kind: 'missing' })),
                );
              const fieldArb = fc.oneof(...cases);
              await storesOnlyWhatSucceeded(runtime, (ledger) =>
                property(fieldArb, RUNS, async ({ name, value, kind }) => {
                  const base: Record<string, unknown> = { ...(spec.validBody?.() ?? {}) };
                  let body: string;
                  if (kind === 'unknown') body = withKeyFirst(name, value as string, base);
                  else if (kind === 'missing') {
                    if (name === '') body = '{}';
                    else {
                      delete base[name];
                      body = JSON.stringify(base);
                    }
                  } else {
                    delete base[name];
                    body = withKeyFirst(name, JSON.stringify(value), base);
                  }
                  const sent: Sent = { method: route.method, path: target(), body };
                  const answer = await call(sent);
                  judge(route, sent, answer, 'error');
                  expect(answer.status, describeSent(sent)).toBe(422);
                  const fields = errorOf(answer)?.fields?.map((f) => f.field) ?? [];
                  const named = fields.some((f) => f === name || (name !== '' && f.startsWith(`${name}.`)));
                  expect(named, `${describeSent(sent)} -> ${answer.text}`).toBe(true);
                  if (kind === 'missing' && name !== '')
                    expect(errorOf(answer)?.fields?.find((f) => f.field === name)?.message).toBe(
                      'is required',
                    );
                  account(ledger, route, sent, answer);
                }),
              );
            },
            PROPERTY_TIMEOUT,
          );
      });
  });

  it(
    'stores a valid publish whose data has __proto__ / constructor / prototype keys, unicode and nesting as sent',
    async () => {
      const hostileKey = fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''),
        fc.string({ maxLength: 8, unit: 'grapheme' }),
      );
      const dataText = fc
        .array(fc.tuple(hostileKey, fc.oneof(fc.jsonValue({ maxDepth: 3 }), tree)), {
          minLength: 1,
          maxLength: 6,
        })
        .map(
          (entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
        );
      const route = ROUTES.find((r) => r.operation === 'publishEvent')!;
      await storesOnlyWhatSucceeded(runtime, (ledger) =>
        property(dataText, HALF, async (data) => {
          const body = `{"tenantId":"${EMPTY_TENANT}","type":"order.created","data":${data}}`;
          const sent: Sent = { method: 'POST', path: '/v1/events', body };
          const answer = await call(sent);
          const parsed = JSON.parse(data) as Record<string, unknown>;
          const hasProtoKey = JSON.stringify(parsed).includes('"__proto__":');
          // Refusing a `__proto__` key is a defensible choice, if it is a 422 naming it and nothing else.
          if (hasProtoKey && answer.status === 422) {
            judge(route, sent, answer, 'error');
            for (const issue of errorOf(answer)?.fields ?? []) expect(issue.field).toMatch(/^data(\.|$)/);
            return;
          }
          judge(route, sent, answer, 'success');
          expect(answer.status, answer.text).toBe(202);
          account(ledger, route, sent, answer);
          const stored = await runtime.service.store.getEvent(EMPTY_TENANT, field<string>(answer, 'id'));
          // Otherwise the envelope carries data exactly as parsed: a `__proto__` key stays, nothing is dropped.
          const envelope = JSON.parse(stored!.body) as { data: unknown };
          expect(JSON.stringify(envelope.data), 'data changed between publish and envelope').toBe(
            JSON.stringify(parsed),
          );
        }),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it('leaves Object.prototype untouched in this process (the handlers run in it)', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual([...PROTOTYPE_BEFORE.keys()].sort());
    for (const [name, descriptor] of PROTOTYPE_BEFORE)
      expect(Object.getOwnPropertyDescriptor(Object.prototype, name), name).toEqual(descriptor);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  describe('hostile endpoint URLs (ALLOW_INSECURE_TARGETS=false)', () => {
    const HOSTILE_URLS: readonly (readonly [string, string])[] = [
      ['plain http', 'http://example.com/hooks'],
      ['uppercase HTTP scheme', 'HTTP://example.com/hooks'],
      ['ftp scheme', 'ftp://example.com/hooks'],
      ['file scheme', 'file:///etc/passwd'],
      ['gopher scheme', 'gopher://127.0.0.1:6379/_INFO'],
      ['javascript scheme', 'javascript:alert(1)'],
      ['data scheme', 'data:text/plain,hello'],
      ['websocket scheme', 'wss://example.com/hooks'],
      ['credentials', 'https://user:password@example.com/hooks'],
      ['user only', 'https://user@example.com/hooks'],
      ['credentials hiding the real host', 'https://example.com@127.0.0.1/hooks'],
      ['loopback', 'https://127.0.0.1/hooks'],
      ['loopback, short form', 'https://127.1/hooks'],
      ['loopback, one decimal number', 'https://2130706433/hooks'],
      ['loopback, hex number', 'https://0x7f000001/hooks'],
      ['loopback, octal', 'https://0177.0.0.1/hooks'],
      ['loopback, mixed hex', 'https://0x7f.1/hooks'],
      ['loopback, trailing dot', 'https://127.0.0.1./hooks'],
      ['loopback, percent-encoded host', 'https://%31%32%37.0.0.1/hooks'],
      ['loopback, fullwidth digits', 'https://１２７.０.０.１/hooks'],
      ['loopback, circled digits and ideographic dots', 'https://①②⑦。0。0。1/hooks'],
      ['unspecified', 'https://0.0.0.0/hooks'],
      ['unspecified, "0"', 'https://0/hooks'],
      ['private 10/8', 'https://10.0.0.1/hooks'],
      ['private 172.16/12', 'https://172.16.0.1/hooks'],
      ['private 192.168/16', 'https://192.168.1.1/hooks'],
      ['carrier-grade NAT', 'https://100.64.0.1/hooks'],
      ['metadata service', 'https://169.254.169.254/latest/meta-data/'],
      ['metadata service, decimal', 'https://2852039166/latest/meta-data/'],
      ['metadata service, port 80', 'https://169.254.169.254:80/latest/meta-data/'],
      ['AWS IPv6 metadata', 'https://[fd00:ec2::254]/latest/meta-data/'],
      ['GCP metadata name', 'https://metadata.google.internal/computeMetadata/v1/'],
      ['multicast', 'https://224.0.0.1/hooks'],
      ['broadcast', 'https://255.255.255.255/hooks'],
      ['IPv6 loopback', 'https://[::1]/hooks'],
      ['IPv6 unspecified', 'https://[::]/hooks'],
      ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hooks'],
      ['IPv4-mapped loopback, hex', 'https://[::ffff:7f00:1]/hooks'],
      ['IPv4-mapped metadata', 'https://[::ffff:169.254.169.254]/hooks'],
      ['IPv4-compatible loopback', 'https://[::127.0.0.1]/hooks'],
      ['NAT64 of the metadata service', 'https://[64:ff9b::a9fe:a9fe]/hooks'],
      ['6to4 of loopback', 'https://[2002:7f00:1::]/hooks'],
      ['IPv6 link-local', 'https://[fe80::1]/hooks'],
      ['IPv6 link-local with a zone', 'https://[fe80::1%25eth0]/hooks'],
      ['IPv6 unique-local', 'https://[fc00::1]/hooks'],
      ['localhost', 'https://localhost/hooks'],
      ['localhost, uppercase with a trailing dot', 'https://LOCALHOST./hooks'],
      ['localhost, fullwidth letters', 'https://ｌｏｃａｌｈｏｓｔ/hooks'],
      ['localhost, circled letters', 'https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/hooks'],
      ['a subdomain of localhost', 'https://api.localhost/hooks'],
      ['mDNS name', 'https://printer.local/hooks'],
      ['home.arpa name', 'https://router.home.arpa/hooks'],
      ['single-label name', 'https://intranet/hooks'],
      ['AWS metadata name', 'https://instance-data/latest/meta-data/'],
      ['URL over 2048 characters', `https://example.com/${'a'.repeat(2100)}`],
      ['surrounding whitespace and a newline', ' \thttps://127.0.0.1/hooks\n'],
      ['NUL in the host', 'https://127.0.0.1\u0000.example.com/hooks'],
      ['space in the host', 'https://exa mple.com/hooks'],
      ['tab inside the host', 'https://127.0.0.1%09/hooks'],
      ['no host', 'https:///hooks'],
      ['relative', '/hooks'],
      ['protocol-relative', '//example.com/hooks'],
      ['empty', ''],
      ['not a URL', 'not a url'],
    ];

    it(`refuses each of ${HOSTILE_URLS.length} hostile URLs with a 422 naming url, and stores nothing`, async () => {
      expect(HOSTILE_URLS.length).toBeGreaterThanOrEqual(30);
      const route = ROUTES.find((r) => r.operation === 'createEndpoint')!;
      const refusedWrongly: string[] = [];
      await storesOnlyWhatSucceeded(secure, async (ledger) => {
        for (const [name, url] of HOSTILE_URLS) {
          const sent: Sent = {
            method: 'POST',
            path: '/v1/endpoints',
            body: JSON.stringify({ tenantId: 'ssrf', url, events: ['*'] }),
          };
          const answer = await send(secure.url, sent);
          judge(route, sent, answer, 'error');
          const fields = errorOf(answer)?.fields ?? [];
          if (answer.status !== 422 || !fields.some((f) => f.field === 'url' && f.message.length > 0))
            refusedWrongly.push(
              `${name} (${JSON.stringify(url.slice(0, 80))}): ${answer.status} ${answer.text}`,
            );
          account(ledger, route, sent, answer);
        }
      });
      expect(refusedWrongly).toEqual([]);
    });

    it('still accepts a public https URL (the table is not refused wholesale)', async () => {
      const answer = await send(secure.url, {
        method: 'POST',
        path: '/v1/endpoints',
        body: JSON.stringify({ tenantId: 'ssrf-control', url: 'https://1.1.1.1/hooks', events: ['*'] }),
      });
      expect(answer.status, answer.text).toBe(201);
    });
  });
});

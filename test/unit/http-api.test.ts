import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  DependencyUnavailableError,
  MalformedRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../lambdas/domain/errors';
import { PublishEventSchema } from '../../lambdas/domain/schemas';
import { parseWith } from '../../lambdas/domain/validate';
import { errorResponse, MAX_BODY_BYTES, readJsonBody } from '../../lambdas/http/api';
import { matchRoute, type Route } from '../../lambdas/http/routes';

const KB = 1024;

/** A JSON object serialized to exactly `bytes` UTF-8 bytes. */
function jsonOfSize(bytes: number): string {
  const overhead = '{"pad":""}'.length;
  return `{"pad":"${'x'.repeat(bytes - overhead)}"}`;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readJsonBody', () => {
  it('parses a JSON body', () => {
    expect(readJsonBody({ body: '{"a":1,"b":"é"}', isBase64Encoded: false })).toEqual({ a: 1, b: 'é' });
  });

  it('decodes a base64 body first', () => {
    const body = Buffer.from('{"item":"Crème brûlée 🍮"}', 'utf8').toString('base64');
    expect(readJsonBody({ body, isBase64Encoded: true })).toEqual({ item: 'Crème brûlée 🍮' });
  });

  it.each([
    ['null', null],
    ['empty', ''],
  ])('answers 400 for a %s body', (_name, body) => {
    const error = thrown(() => readJsonBody({ body, isBase64Encoded: false }));
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect(error).toMatchObject({ status: 400, message: 'Request body is required (a JSON object)' });
  });

  it.each(['{"a":', 'not json', "{'a':1}", '{"a":1,}'])('answers 400 for invalid JSON %j', (body) => {
    const error = thrown(() => readJsonBody({ body, isBase64Encoded: false }));
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect((error as MalformedRequestError).message).toMatch(/^Request body is not valid JSON/);
  });

  it('answers 400 for a body that is not UTF-8 (a 0xff byte, sent base64)', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":"', 'utf8'),
      Buffer.from([0xff]),
      Buffer.from('"}', 'utf8'),
    ]);
    const error = thrown(() => readJsonBody({ body: bytes.toString('base64'), isBase64Encoded: true }));
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect(error).toMatchObject({ status: 400, message: 'Request body is not valid UTF-8' });
  });

  it('accepts a body of exactly 256 KB', () => {
    expect(MAX_BODY_BYTES).toBe(256 * KB);
    const body = jsonOfSize(256 * KB);
    expect(Buffer.byteLength(body)).toBe(256 * KB);
    expect(readJsonBody({ body, isBase64Encoded: false })).toMatchObject({ pad: expect.any(String) });
  });

  it('answers 413 for a body one byte over 256 KB', () => {
    const error = thrown(() => readJsonBody({ body: jsonOfSize(256 * KB + 1), isBase64Encoded: false }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, limitBytes: 256 * KB });
  });

  it('counts bytes, not characters', () => {
    // 100 K three-byte characters: 300 KB in UTF-8, 100 K characters.
    const body = `{"pad":"${'日'.repeat(100 * KB)}"}`;
    expect(thrown(() => readJsonBody({ body, isBase64Encoded: false }))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('measures a base64 body after decoding', () => {
    const exact = Buffer.from(jsonOfSize(256 * KB)).toString('base64'); // about 341 KB encoded
    expect(readJsonBody({ body: exact, isBase64Encoded: true })).toMatchObject({ pad: expect.any(String) });
    const over = Buffer.from(jsonOfSize(256 * KB + 1)).toString('base64');
    expect(thrown(() => readJsonBody({ body: over, isBase64Encoded: true }))).toBeInstanceOf(
      PayloadTooLargeError,
    );
  });

  it('checks the size before parsing: a huge invalid body is 413, not 400', () => {
    const error = thrown(() => readJsonBody({ body: 'x'.repeat(300 * KB), isBase64Encoded: false }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('errorResponse', () => {
  const bodyOf = (response: ReturnType<typeof errorResponse>) => JSON.parse(response.body) as unknown;

  it('answers 422 with the message and every field for a ValidationError', () => {
    const response = errorResponse(
      new ValidationError([
        { field: 'type', message: 'is required' },
        { field: 'extra', message: 'is not a known field' },
      ]),
    );
    expect(response.statusCode).toBe(422);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    expect(bodyOf(response)).toEqual({
      error: {
        code: 'validation_failed',
        message: 'type: is required; extra: is not a known field',
        fields: [
          { field: 'type', message: 'is required' },
          { field: 'extra', message: 'is not a known field' },
        ],
      },
    });
  });

  it('answers 405 with an Allow header listing the methods', () => {
    const response = errorResponse(new MethodNotAllowedError(['GET', 'PATCH']));
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('GET, PATCH');
    expect(bodyOf(response)).toEqual({
      error: { code: 'method_not_allowed', message: 'Method not allowed; allowed: GET, PATCH' },
    });
  });

  it.each([
    [new MalformedRequestError('Request body is not valid JSON'), 400, 'malformed_request'],
    [new NotFoundError('endpoint ep_1 not found'), 404, 'not_found'],
    [new ConflictError('tenant t_1 already has 50 endpoints (the limit)'), 409, 'conflict'],
    [new PayloadTooLargeError(262_144), 413, 'payload_too_large'],
  ])('passes on the message of a 4xx error (%s)', (error, status, code) => {
    const response = errorResponse(error);
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toEqual({ error: { code, message: error.message } });
  });

  it('answers 503 with Retry-After and no detail of which dependency failed or why', () => {
    const error = new DependencyUnavailableError('dynamodb', {
      cause: new Error('ProvisionedThroughputExceeded on tbl-x'),
    });
    const response = errorResponse(error);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(bodyOf(response)).toEqual({
      error: {
        code: 'dependency_unavailable',
        message: 'A dependency is unavailable; retry the request (with the same id).',
      },
    });
    expect(response.body).not.toMatch(/dynamodb|tbl-x|Provisioned/);
  });

  it.each([
    ['an Error', new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'boom'],
    ['undefined', undefined],
  ])('answers a bare 500 "Internal error" for %s', (_name, error) => {
    const response = errorResponse(error);
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ error: { code: 'internal_error', message: 'Internal error' } });
  });
});

describe('matchRoute', () => {
  const routes: Route[] = [
    { method: 'GET', path: '/v1/things', fn: 'api', operation: 'listThings' },
    { method: 'POST', path: '/v1/things', fn: 'api', operation: 'createThing' },
    { method: 'GET', path: '/v1/things/{id}', fn: 'api', operation: 'getThing' },
    { method: 'DELETE', path: '/v1/things/{id}', fn: 'api', operation: 'deleteThing' },
    { method: 'POST', path: '/v1/things/{id}/parts/{partId}', fn: 'api', operation: 'addPart' },
  ];
  const operation = (method: string, path: string) => {
    const match = matchRoute(method, path, routes);
    return match.kind === 'route' ? match.route.operation : match.kind;
  };

  it('finds the route for a method and path', () => {
    expect(operation('GET', '/v1/things')).toBe('listThings');
    expect(operation('POST', '/v1/things')).toBe('createThing');
    expect(operation('DELETE', '/v1/things/t1')).toBe('deleteThing');
  });

  it('extracts and URL-decodes path parameters', () => {
    expect(matchRoute('POST', '/v1/things/t%201/parts/p%2F2', routes)).toEqual({
      kind: 'route',
      route: routes[4],
      pathParameters: { id: 't 1', partId: 'p/2' },
    });
  });

  it('answers not_found for an unknown path, a missing parameter or extra segments', () => {
    expect(matchRoute('GET', '/v1/nothing', routes)).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/v1/things/t1/extra', routes)).toEqual({ kind: 'not_found' });
    expect(matchRoute('POST', '/v1/things//parts/p1', routes)).toEqual({ kind: 'not_found' });
    expect(matchRoute('GET', '/v1/things/%E0%A4%A', routes)).toEqual({ kind: 'not_found' });
  });

  it('answers method_not_allowed with every method the path takes', () => {
    expect(matchRoute('PUT', '/v1/things/t1', routes)).toEqual({
      kind: 'method_not_allowed',
      allow: ['GET', 'DELETE'],
    });
    expect(matchRoute('PATCH', '/v1/things', routes)).toEqual({
      kind: 'method_not_allowed',
      allow: ['GET', 'POST'],
    });
  });

  it('ignores the case of the method and a trailing slash', () => {
    expect(operation('get', '/v1/things/')).toBe('listThings');
    expect(operation('delete', '/v1/things/t1/')).toBe('deleteThing');
  });

  it('routes the service surface: publish, fetch an endpoint', () => {
    expect(matchRoute('POST', '/v1/events')).toMatchObject({
      kind: 'route',
      route: { fn: 'ingest', operation: 'publishEvent' },
    });
    expect(matchRoute('GET', '/v1/events')).toEqual({ kind: 'method_not_allowed', allow: ['POST'] });
    expect(matchRoute('GET', '/v1/endpoints/ep_1')).toMatchObject({
      kind: 'route',
      route: { operation: 'getEndpoint' },
      pathParameters: { id: 'ep_1' },
    });
    expect(matchRoute('GET', '/v2/events')).toEqual({ kind: 'not_found' });
  });
});

describe('parseWith', () => {
  const fieldsOf = (value: unknown) =>
    (thrown(() => parseWith(PublishEventSchema, value)) as ValidationError).fields;
  const valid = { tenantId: 't_1', type: 'order.created', data: { a: 1 } };

  it('returns the parsed value when it is valid', () => {
    expect(parseWith(PublishEventSchema, { ...valid, id: 'evt_1' })).toEqual({ ...valid, id: 'evt_1' });
  });

  it.each(['tenantId', 'type', 'data'])('reports a missing %s as "is required"', (field) => {
    const { [field as keyof typeof valid]: _omitted, ...rest } = valid;
    expect(fieldsOf(rest)).toEqual([{ field, message: 'is required' }]);
  });

  it('reports an unknown key as "is not a known field"', () => {
    expect(fieldsOf({ ...valid, extra: 1, other: 2 })).toEqual([
      { field: 'extra', message: 'is not a known field' },
      { field: 'other', message: 'is not a known field' },
    ]);
  });

  it('reports data that is an array, null or a string as "must be a JSON object"', () => {
    for (const data of [[1, 2], null, 'x']) {
      expect(fieldsOf({ ...valid, data })).toEqual([{ field: 'data', message: 'must be a JSON object' }]);
    }
  });

  it('reports every field at fault at once, with the schema message', () => {
    expect(fieldsOf({ tenantId: 'has space', type: 'Order.Created', data: {} })).toEqual([
      { field: 'tenantId', message: 'may contain only letters, digits, and _ . : -' },
      { field: 'type', message: 'must be dotted lowercase words, e.g. order.created' },
    ]);
  });

  it('names nested fields by their dotted path', () => {
    const schema = z.strictObject({ outer: z.strictObject({ inner: z.string() }) });
    const error = thrown(() => parseWith(schema, { outer: { extra: true } })) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([
      { field: 'outer.inner', message: 'is required' },
      { field: 'outer.extra', message: 'is not a known field' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { FieldIssue } from '../../lambdas/domain/errors';
import {
  CreateEndpointWithSecretSchema,
  PublishEventSchema,
  RotateSecretSchema,
  UpdateEndpointSchema,
} from '../../lambdas/domain/schemas';
import { parseWith } from '../../lambdas/domain/validate';
import { errorResponse, readJsonBody, UnsupportedMediaTypeError } from '../../lambdas/http/api';

function fieldsOf(schema: Parameters<typeof parseWith>[0], value: unknown): readonly FieldIssue[] {
  try {
    parseWith(schema, value);
  } catch (error) {
    return (error as { fields: readonly FieldIssue[] }).fields;
  }
  throw new Error('expected a ValidationError');
}

const publish = { tenantId: 'acme', type: 'order.created', data: {} };
const create = { tenantId: 'acme', url: 'https://example.com/h', events: ['order.created'] };

describe('validation messages in the words of the API docs', () => {
  it('says "tenantId must be a string" for a number, not zod\'s own wording', () => {
    expect(fieldsOf(PublishEventSchema, { ...publish, tenantId: 42 })).toEqual([
      { field: 'tenantId', message: 'must be a string' },
    ]);
  });

  it.each([
    [[], 'an array'],
    ['text', 'a string'],
    [null, 'null'],
    [7, 'a number'],
  ])('says the body must be a JSON object when it is %j (%s)', (body, _kind) => {
    expect(fieldsOf(PublishEventSchema, body)).toEqual([
      { field: '', message: 'the request body must be a JSON object' },
    ]);
  });

  it('names the type a field must have: array, boolean, number, string', () => {
    expect(fieldsOf(CreateEndpointWithSecretSchema, { ...create, events: 'order.created' })).toEqual([
      { field: 'events', message: 'must be an array' },
    ]);
    expect(fieldsOf(RotateSecretSchema, { expireAllPrevious: 'yes' })).toEqual([
      { field: 'expireAllPrevious', message: 'must be true or false' },
    ]);
    expect(fieldsOf(RotateSecretSchema, { expireCurrentInSeconds: '60' })).toEqual([
      { field: 'expireCurrentInSeconds', message: 'must be a number' },
    ]);
    expect(fieldsOf(UpdateEndpointSchema, { description: 5 })).toEqual([
      { field: 'description', message: 'must be a string' },
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(fieldsOf(UpdateEndpointSchema, { ordering: 'fifo' })).toEqual([
      { field: 'ordering', message: 'must be one of "sequential", "strict"' },
    ]);
  });

  it('explains an event type entry of the wrong type, or the wrong form, in the list', () => {
    expect(fieldsOf(CreateEndpointWithSecretSchema, { ...create, events: [3, 'Order.Created'] })).toEqual([
      { field: 'events.0', message: 'must be a string' },
      { field: 'events.1', message: 'must be dotted lowercase words, e.g. order.created' },
    ]);
  });

  it('never passes zod\'s default "Invalid input" wording through, for any wrong type of any field', () => {
    const wrong = [42, true, null, [], {}, 'x'];
    for (const [schema, base, keys] of [
      [PublishEventSchema, publish, ['tenantId', 'type', 'data', 'id']],
      [
        CreateEndpointWithSecretSchema,
        create,
        ['tenantId', 'url', 'events', 'description', 'ordering', 'secret'],
      ],
      [UpdateEndpointSchema, { description: 'd' }, ['url', 'events', 'description', 'status', 'ordering']],
      [RotateSecretSchema, {}, ['expireCurrentInSeconds', 'expireAllPrevious']],
    ] as const) {
      for (const key of keys) {
        for (const value of wrong) {
          try {
            parseWith(schema, { ...base, [key]: value });
          } catch (error) {
            for (const issue of (error as { fields: FieldIssue[] }).fields) {
              expect(issue.message, `${key}=${JSON.stringify(value)}`).not.toMatch(
                /Invalid|expected|received/,
              );
            }
          }
        }
      }
    }
  });
});

describe('rotation: expireAllPrevious', () => {
  it('accepts expireAllPrevious alone or with expireCurrentInSeconds 0', () => {
    expect(parseWith(RotateSecretSchema, { expireAllPrevious: true })).toEqual({ expireAllPrevious: true });
    expect(parseWith(RotateSecretSchema, { expireAllPrevious: true, expireCurrentInSeconds: 0 })).toEqual({
      expireAllPrevious: true,
      expireCurrentInSeconds: 0,
    });
  });

  it('refuses a grace period together with expireAllPrevious, naming expireCurrentInSeconds', () => {
    expect(fieldsOf(RotateSecretSchema, { expireAllPrevious: true, expireCurrentInSeconds: 60 })).toEqual([
      {
        field: 'expireCurrentInSeconds',
        message: 'must be absent or 0 when expireAllPrevious is true (every previous secret stops at once)',
      },
    ]);
  });
});

describe('content-type: JSON only (415 otherwise)', () => {
  const body = '{"a":1}';
  const withType = (...types: string[]) => ({
    body,
    isBase64Encoded: false,
    headers: { 'Content-Type': types.at(-1)! },
    multiValueHeaders: { 'Content-Type': types },
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON; charset="UTF-8"',
    'application/merge-patch+json',
  ])('reads a body sent as %s', (type) => {
    expect(readJsonBody(withType(type))).toEqual({ a: 1 });
  });

  it('reads a body sent with no content-type at all', () => {
    expect(readJsonBody({ body, isBase64Encoded: false, headers: {} })).toEqual({ a: 1 });
  });

  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/json; charset=latin1'],
    ['application/json', 'text/plain'],
  ])('answers 415 unsupported_media_type for %s', (...types) => {
    let error: unknown;
    try {
      readJsonBody(withType(...types));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    const response = errorResponse(error);
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body).error.code).toBe('unsupported_media_type');
    expect(JSON.parse(response.body).error.message).toMatch(/^content-type /);
  });

  it("finds the header whatever its case (API Gateway keeps the sender's)", () => {
    expect(() =>
      readJsonBody({ body, isBase64Encoded: false, headers: { 'CONTENT-TYPE': 'text/csv' } }),
    ).toThrow(UnsupportedMediaTypeError);
  });
});

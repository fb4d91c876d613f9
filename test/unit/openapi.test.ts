import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, errorStatuses, successStatuses } from '../../lambdas/http/openapi';
import { type OperationId, type OperationOf, ROUTES } from '../../lambdas/http/routes';

// The tie is a type: a map keyed by OperationId that misses a route does not compile (tsc runs in npm test).
// @ts-expect-error: 'listEventTypes' and the other operations are missing.
const _incomplete: Record<OperationId, true> = { publishEvent: true };
// @ts-expect-error: the ingest function serves publishEvent only.
const _notIngest: OperationOf<'ingest'> = 'health';

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document.
type Json = any;
const doc: Json = buildOpenApiDocument();
const operation = (path: string, method: string): Json => doc.paths[path][method];

describe('the OpenAPI document', () => {
  it('passes @redocly/cli lint with its recommended rules: no error and no warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc, null, 2));
      const result = spawnSync(
        process.execPath,
        [
          'node_modules/@redocly/cli/bin/cli.js',
          'lint',
          '--extends',
          'recommended',
          '--format',
          'json',
          file,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          timeout: 60_000,
        },
      );
      const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
      const problems = (report.problems as Json[]).map((p) => `${p.severity} ${p.ruleId}: ${p.message}`);
      expect(problems).toEqual([]);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('describes every route of the table, once', () => {
    for (const route of ROUTES) {
      expect(operation(route.path, route.method.toLowerCase())?.operationId).toBe(route.operation);
    }
  });

  it('lists 202 and 200 for POST /v1/events, each with the publish result schema', () => {
    const responses = operation('/v1/events', 'post').responses;
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '202']));
    for (const status of ['200', '202']) {
      expect(responses[status].content['application/json'].schema.required).toEqual(['id', 'deliveries']);
    }
  });

  it('lists only the statuses a route can answer: no 413 or 415 where no body is read', () => {
    const health = Object.keys(operation('/v1/health', 'get').responses);
    expect(health).not.toContain('413');
    expect(health).not.toContain('415');
    expect(health).not.toContain('404');
    expect(Object.keys(operation('/v1/endpoints/{id}', 'get').responses)).not.toContain('413');
    expect(Object.keys(operation('/v1/endpoints', 'post').responses)).toEqual(
      expect.arrayContaining(['201', '400', '413', '415', '422']),
    );
    expect(successStatuses('deleteEndpoint')).toEqual([204]);
    expect(errorStatuses('replayDelivery')).toContain(409);
  });

  it('gives every JSON success answer a schema generated from the response schemas', () => {
    const detail = operation('/v1/deliveries/{id}', 'get').responses['200'].content['application/json']
      .schema;
    expect(Object.keys(detail.properties)).toEqual(expect.arrayContaining(['status', 'attempts', 'request']));
    expect(detail.properties).not.toHaveProperty('sweepAt');
    expect(detail.properties).not.toHaveProperty('attemptOffset');
    const endpoint = operation('/v1/endpoints/{id}', 'get').responses['200'].content['application/json']
      .schema;
    expect(endpoint.properties).not.toHaveProperty('secrets');
    expect(endpoint.properties).not.toHaveProperty('secret');
    for (const route of ROUTES) {
      if (route.operation === 'openapi') continue;
      for (const [status, answer] of Object.entries(
        operation(route.path, route.method.toLowerCase()).responses,
      )) {
        if (status === '204') expect((answer as Json).content, route.operation).toBeUndefined();
        else
          expect(
            (answer as Json).content['application/json'].schema.type,
            `${route.operation} ${status}`,
          ).toBe('object');
      }
    }
  });

  it('names its servers: the local runtime and a deployed stage', () => {
    expect(doc.servers.map((s: Json) => s.url)).toEqual([
      'http://127.0.0.1:3000',
      'https://{apiId}.execute-api.{region}.amazonaws.com/prod',
    ]);
  });

  it('documents expireAllPrevious on rotation', () => {
    const body = operation('/v1/endpoints/{id}/rotate-secret', 'post').requestBody;
    expect(body.required).toBe(false);
    expect(body.content['application/json'].schema.properties.expireAllPrevious.type).toBe('boolean');
  });
});

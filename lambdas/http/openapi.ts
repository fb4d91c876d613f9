import * as z from 'zod';
import {
  CreateEndpointWithSecretSchema,
  PublishEventSchema,
  RecoverSchema,
  RotateSecretSchema,
  UpdateEndpointSchema,
} from '../domain/schemas';
import { ROUTES } from './routes';

/** Per operation: summary, request body schema, success status, and which query parameters it takes. */
const OPERATIONS: Record<
  string,
  { summary: string; body?: z.ZodType; status: number; query?: string[]; tenantQuery?: boolean }
> = {
  publishEvent: {
    summary: 'Publish an event: 202 for a new id, 200 with the original answer for an id seen before',
    body: PublishEventSchema,
    status: 202,
  },
  publishEventBatch: {
    summary:
      'Publish 1 to 100 events in one call: 207 with one result per event, in order ({status, id, deliveries} or {status, error})',
    body: z.strictObject({ events: z.array(PublishEventSchema).min(1).max(100) }),
    status: 207,
  },
  listEventTypes: { summary: 'List the event catalog', status: 200 },
  createEndpoint: {
    summary: 'Register an endpoint; the answer carries its signing secret, once',
    body: CreateEndpointWithSecretSchema,
    status: 201,
  },
  listEndpoints: {
    summary: 'List endpoints, newest first',
    status: 200,
    tenantQuery: true,
    query: ['limit', 'cursor'],
  },
  getEndpoint: {
    summary:
      'Read an endpoint (never its secret): headers (secret-looking values masked), filter, and, when disabled, disabledAt and disabledReason (e.g. after a 410 Gone)',
    status: 200,
    tenantQuery: true,
  },
  updateEndpoint: {
    summary:
      'Change url, events, description, status, ordering, headers or filter; status enabled clears disabledAt and disabledReason',
    body: UpdateEndpointSchema,
    status: 200,
    tenantQuery: true,
  },
  deleteEndpoint: {
    summary: 'Delete an endpoint; its queued deliveries end failed',
    status: 204,
    tenantQuery: true,
  },
  rotateSecret: {
    summary: 'Issue a new secret; the old one signs too until it expires',
    body: RotateSecretSchema,
    status: 200,
    tenantQuery: true,
  },
  testEndpoint: {
    summary:
      "Queue a signed ping event in the endpoint's group (one attempt, no retries); 202 with its delivery id",
    status: 202,
    tenantQuery: true,
  },
  recoverEndpoint: {
    summary: 'Re-queue every delivery of the endpoint that failed since a time',
    body: RecoverSchema,
    status: 202,
    tenantQuery: true,
  },
  listDeliveries: {
    summary: 'Deliveries log, newest first, by endpoint or by event',
    status: 200,
    tenantQuery: true,
    query: ['endpointId', 'eventId', 'status', 'limit', 'cursor'],
  },
  getDelivery: {
    summary: 'One delivery: status, the exact request, every attempt',
    status: 200,
    tenantQuery: true,
  },
  replayDelivery: {
    summary: 'Send a delivery again as a new delivery, signed afresh',
    status: 202,
    tenantQuery: true,
  },
  health: { summary: 'Service health and queue depths', status: 200 },
  openapi: { summary: 'This document', status: 200 },
};

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      required: ['code', 'message'],
    },
  },
};

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
}

/** OpenAPI 3.1 for every route in ROUTES, request bodies generated from the zod schemas the handlers use. */
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const op = OPERATIONS[route.operation];
    if (!op) throw new Error(`no OpenAPI description for operation ${route.operation}`);
    const parameters: unknown[] = [];
    for (const match of route.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    if (op.tenantQuery)
      parameters.push({ name: 'tenantId', in: 'query', required: true, schema: { type: 'string' } });
    for (const name of op.query ?? []) {
      parameters.push({
        name,
        in: 'query',
        required: false,
        schema: name === 'limit' ? { type: 'integer', minimum: 1, maximum: 100 } : { type: 'string' },
      });
    }
    const errors = Object.fromEntries(
      ['400', '404', '405', '409', '413', '422', '503'].map((code) => [
        code,
        { description: 'Error', content: { 'application/json': { schema: ERROR_SCHEMA } } },
      ]),
    );
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operation,
      summary: op.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } },
          }
        : {}),
      responses: { [String(op.status)]: { description: 'Success' }, ...errors },
      security: [{ sigv4: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Webhook delivery service',
      version: '1.0.0',
      description: 'Publish events, manage endpoints, inspect and replay deliveries. See docs/api.md.',
    },
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (API Gateway IAM authorization). Not required locally.',
        },
      },
    },
    paths,
  };
}

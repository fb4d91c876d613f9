import * as z from 'zod';
import {
  CreateEndpointWithSecretSchema,
  CreatePortalTokenSchema,
  PublishEventSchema,
  RecoverSchema,
  RotateSecretSchema,
  UpdateEndpointSchema,
} from '../domain/schemas';
import {
  BatchPublishResultSchema,
  CreatedEndpointSchema,
  DeliveryDetailSchema,
  DeliveryPageSchema,
  EndpointPageSchema,
  EndpointViewSchema,
  EventTypesSchema,
  HealthSchema,
  PortalSessionSchema,
  PortalTokenSchema,
  PublishResultSchema,
  RecoverResultSchema,
  ReplayResultSchema,
  RotateResultSchema,
  TestQueuedSchema,
} from './responses';
import { type OperationId, PORTAL_ROUTES, ROUTES } from './routes';

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;

interface OperationSpec {
  readonly summary: string;
  readonly tag: 'events' | 'endpoints' | 'deliveries' | 'service' | 'portal';
  /** Request body schema; `optionalBody` when an absent body means `{}`. */
  readonly body?: z.ZodType;
  readonly optionalBody?: boolean;
  /** Each success status with what it carries (no schema: an empty body). */
  readonly success: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodType }>>;
  /** The error statuses this route can really answer. */
  readonly errors: readonly ErrorStatus[];
  readonly tenantQuery?: boolean;
  readonly query?: readonly string[];
}

/** Errors of a route that reads a JSON body. */
const BODY_ERRORS = [400, 413, 415, 422] as const;

/** One entry per operation in ROUTES: a route without one does not compile. */
const OPERATIONS: Record<OperationId, OperationSpec> = {
  publishEvent: {
    summary: 'Publish an event',
    tag: 'events',
    body: PublishEventSchema,
    success: {
      202: { description: 'Accepted: the event and its deliveries are durable', schema: PublishResultSchema },
      200: { description: 'This id was published before: the original answer', schema: PublishResultSchema },
    },
    errors: [...BODY_ERRORS, 503],
  },
  listEventTypes: {
    summary:
      'List the event catalog (with tenantId of the operational tenant: the operational event types its endpoints subscribe to)',
    tag: 'events',
    query: ['tenantId'],
    success: { 200: { description: 'The catalog', schema: EventTypesSchema } },
    errors: [],
  },
  publishEventBatch: {
    summary: 'Publish 1 to 100 events in one call, one result per event in order',
    tag: 'events',
    body: z.strictObject({ events: z.array(PublishEventSchema).min(1).max(100) }),
    success: {
      207: {
        description: 'One result per event, in order: {status, id, deliveries} or {status, error}',
        schema: BatchPublishResultSchema,
      },
    },
    errors: [...BODY_ERRORS, 503],
  },
  createEndpoint: {
    summary: 'Register an endpoint; the answer carries its signing secret, once',
    tag: 'endpoints',
    body: CreateEndpointWithSecretSchema,
    success: { 201: { description: 'Created', schema: CreatedEndpointSchema } },
    errors: [...BODY_ERRORS, 409, 503],
  },
  listEndpoints: {
    summary: 'List endpoints, newest first',
    tag: 'endpoints',
    tenantQuery: true,
    query: ['limit', 'cursor'],
    success: { 200: { description: 'A page of endpoints', schema: EndpointPageSchema } },
    errors: [422, 503],
  },
  getEndpoint: {
    summary:
      'Read an endpoint (never its secret): headers (secret-looking values masked), filter, and when disabled disabledAt and disabledReason',
    tag: 'endpoints',
    tenantQuery: true,
    success: { 200: { description: 'The endpoint', schema: EndpointViewSchema } },
    errors: [404, 422, 503],
  },
  updateEndpoint: {
    summary:
      'Change url, events, description, status, ordering, headers or filter; status enabled clears disabledAt, disabledReason and failingSince and sends the deliveries held while it was disabled, in publish order',
    tag: 'endpoints',
    body: UpdateEndpointSchema,
    tenantQuery: true,
    success: { 200: { description: 'The endpoint as changed', schema: EndpointViewSchema } },
    errors: [...BODY_ERRORS, 404, 409, 503],
  },
  deleteEndpoint: {
    summary: 'Delete an endpoint; its queued deliveries end failed',
    tag: 'endpoints',
    tenantQuery: true,
    success: { 204: { description: 'Deleted' } },
    errors: [404, 422, 503],
  },
  rotateSecret: {
    summary: 'Issue a new secret; the old ones sign too until they expire (or never, with expireAllPrevious)',
    tag: 'endpoints',
    body: RotateSecretSchema,
    optionalBody: true,
    tenantQuery: true,
    success: { 200: { description: 'The new secret', schema: RotateResultSchema } },
    errors: [...BODY_ERRORS, 404, 409, 503],
  },
  testEndpoint: {
    summary: "Queue a signed ping in the endpoint's group (one attempt, no retries)",
    tag: 'endpoints',
    tenantQuery: true,
    success: { 202: { description: 'Queued: its delivery id and event id', schema: TestQueuedSchema } },
    errors: [404, 409, 422, 503],
  },
  recoverEndpoint: {
    summary: 'Re-queue every delivery of the endpoint that failed since a time',
    tag: 'endpoints',
    body: RecoverSchema,
    tenantQuery: true,
    success: { 202: { description: 'Queued again', schema: RecoverResultSchema } },
    errors: [...BODY_ERRORS, 404, 409, 503],
  },
  listDeliveries: {
    summary: "Deliveries log, newest first: by endpoint, by event, or a tenant's pending or failed",
    tag: 'deliveries',
    tenantQuery: true,
    query: ['endpointId', 'eventId', 'status', 'eventType', 'since', 'limit', 'cursor'],
    success: { 200: { description: 'A page of deliveries', schema: DeliveryPageSchema } },
    errors: [422, 503],
  },
  getDelivery: {
    summary: 'One delivery: status, the exact request, every attempt',
    tag: 'deliveries',
    tenantQuery: true,
    query: ['eventId'],
    success: { 200: { description: 'The delivery', schema: DeliveryDetailSchema } },
    errors: [404, 422, 503],
  },
  replayDelivery: {
    summary: 'Send a delivery again as a new delivery, signed afresh',
    tag: 'deliveries',
    tenantQuery: true,
    success: { 202: { description: 'The new delivery', schema: ReplayResultSchema } },
    errors: [404, 409, 422, 503],
  },
  health: {
    summary: 'Service health and queue depths',
    tag: 'service',
    success: { 200: { description: 'Healthy', schema: HealthSchema } },
    errors: [503],
  },
  openapi: {
    summary: 'This document',
    tag: 'service',
    success: { 200: { description: 'OpenAPI 3.1' } },
    errors: [],
  },
  createPortalToken: {
    summary: 'Mint a portal token and link for one tenant, or for every tenant with tenantId "*"',
    tag: 'portal',
    body: CreatePortalTokenSchema,
    success: { 201: { description: 'The token and the signed-in portal link', schema: PortalTokenSchema } },
    errors: [...BODY_ERRORS, 404],
  },
};

/** The session route of the portal API (the rest are the owner operations, scoped). */
const PORTAL_SESSION: OperationSpec = {
  summary: 'Who the portal token acts for, and until when',
  tag: 'portal',
  success: { 200: { description: 'The session', schema: PortalSessionSchema } },
  errors: [401],
};

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'The body is missing, not UTF-8, or not JSON',
  404: 'No such resource for this tenant',
  409: 'Conflict with the current state (see the message)',
  401: 'Portal: the bearer token is missing, expired (open a new link) or not valid',
  403: 'Portal: a tenant token named another tenant',
  413: 'The body is over 256 KB',
  415: 'The body is not sent as application/json',
  422: 'The body or query breaks the schema; fields names each field at fault',
  503: 'A dependency is unavailable; retry (with the same event id)',
};

const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });

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
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, message: { type: 'string' } },
            required: ['field', 'message'],
          },
        },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

const GATEWAY_ERROR = jsonContent({
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
});

const GATEWAY_ANSWERS = {
  403: {
    description: 'Deployed only: no valid SigV4 signature, or not allowed (API Gateway IAM authorization)',
    content: GATEWAY_ERROR,
  },
  429: {
    description: 'Deployed only: over the stage throttling limit (API Gateway)',
    content: GATEWAY_ERROR,
  },
};

const QUERY_SCHEMAS: Record<string, unknown> = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  status: { type: 'string', enum: ['pending', 'succeeded', 'failed', 'held'] },
};

/** JSON Schema of a zod schema; `io` picks what a request may send or what a response holds. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any', io }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** The public servers: the local runtime and a deployed stage. */
export const SERVERS = [
  { url: 'http://127.0.0.1:3000', description: 'The local runtime (npm start)' },
  {
    url: 'https://{apiId}.execute-api.{region}.amazonaws.com/prod',
    description: 'A deployed stack (the ApiUrl output); every route needs SigV4 (IAM) authorization',
    variables: { apiId: { default: 'abc123' }, region: { default: 'us-east-1' } },
  },
];

/** OpenAPI 3.1 for every route in ROUTES: bodies from the request schemas, answers from the response ones. */
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  const portalRoutes = PORTAL_ROUTES.filter((r) => r.auth === 'token').map((route) => {
    const owner = 'owner' in route ? OPERATIONS[route.owner] : PORTAL_SESSION;
    const op: OperationSpec = {
      ...owner,
      summary: `Portal: ${owner.summary.charAt(0).toLowerCase()}${owner.summary.slice(1)}`,
      tenantQuery: false,
      // The tenant comes from the token; an operator token names it (createEndpoint: in the body).
      query: [...('owner' in route && owner.tenantQuery ? ['tenantId'] : []), ...(owner.query ?? [])],
      errors: [...new Set<ErrorStatus>([401, 403, ...owner.errors])],
    };
    return { ...route, op, security: [{ portalToken: [] }] };
  });
  const ownerRoutes = ROUTES.map((route) => ({
    ...route,
    op: OPERATIONS[route.operation],
    security: undefined,
  }));
  for (const { op, security, ...route } of [...ownerRoutes, ...portalRoutes]) {
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
        schema: QUERY_SCHEMAS[name] ?? { type: 'string' },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.success)) {
      responses[status] = {
        description: answer.description,
        ...(answer.schema ? { content: jsonContent(jsonSchema(answer.schema, 'output')) } : {}),
      };
    }
    // API Gateway's own answers, before any handler runs: the same on every route of a deployed stack.
    responses['403'] = GATEWAY_ANSWERS[403];
    responses['429'] = GATEWAY_ANSWERS[429];
    for (const status of op.errors) {
      responses[String(status)] = {
        description: ERROR_DESCRIPTIONS[status],
        content: jsonContent(ERROR_SCHEMA),
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operation,
      summary: op.summary,
      tags: [op.tag],
      ...(security ? { security } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: !op.optionalBody, content: jsonContent(jsonSchema(op.body, 'input')) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Webhook delivery service',
      version: '1.0.0',
      description: 'Publish events, manage endpoints, inspect and replay deliveries. See docs/api.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: SERVERS,
    tags: [
      { name: 'events', description: 'Publishing and the event catalog' },
      { name: 'endpoints', description: 'Receivers, their secrets, tests and recovery' },
      { name: 'deliveries', description: 'The deliveries log and replay' },
      { name: 'service', description: 'Health and this document' },
      {
        name: 'portal',
        description:
          'Portal tokens (minted on the owner API) and the portal API: the owner operations under /portal/v1, ' +
          "for the token's tenant (Authorization: Bearer). The page itself is GET /portal.",
      },
    ],
    security: [{ sigv4: [] }],
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (API Gateway IAM authorization). Not required locally.',
        },
        portalToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A portal token from POST /v1/portal-tokens (HS256, signed by the service).',
        },
      },
    },
    paths,
  };
}

/** The success statuses of an operation, as documented (tests check the handlers answer only these). */
export function successStatuses(operation: OperationId): number[] {
  return Object.keys(OPERATIONS[operation].success).map(Number);
}

/** The error statuses of an operation, as documented. */
export function errorStatuses(operation: OperationId): number[] {
  return [...OPERATIONS[operation].errors];
}

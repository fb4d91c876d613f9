import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../config';
import { getDeliveryDetail, listDeliveries, recoverEndpoint, replayDelivery } from '../domain/deliveries';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  testEndpoint,
  updateEndpoint,
} from '../domain/endpoints';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../domain/errors';
import { OPERATIONAL_TYPES, operationalTenantOf } from '../domain/operational';
import {
  CreateEndpointWithSecretSchema,
  RecoverSchema,
  RotateSecretSchema,
  UpdateEndpointSchema,
} from '../domain/schemas';
import { parseWith } from '../domain/validate';
import { httpErrors, isResourceId, json, queryParam, readJsonBody } from '../http/api';
import { buildOpenApiDocument } from '../http/openapi';
import { ListDeliveriesQuerySchema, TenantQuerySchema } from '../http/queries';
import {
  CreatedEndpointSchema,
  DeliveryDetailSchema,
  DeliveryPageSchema,
  EndpointPageSchema,
  EndpointViewSchema,
  EventTypesSchema,
  HealthSchema,
  RecoverResultSchema,
  ReplayResultSchema,
  RotateResultSchema,
  shape,
  TestQueuedSchema,
} from '../http/responses';
import { matchRoute, type OperationOf, PORTAL_ROUTES } from '../http/routes';
import { lambdaEntry } from '../lambda-entry';
import { portalOf } from '../portal/build';
import { buildLambdaService, type Service } from '../service';
import { createPortalToken, runPortalRoute } from './portal';

type Operation = (event: APIGatewayProxyEvent, id: string) => Promise<APIGatewayProxyResult>;

function tenantOf(event: APIGatewayProxyEvent): string {
  return parseWith(TenantQuerySchema, { tenantId: queryParam(event, 'tenantId') }).tenantId;
}

function pageOf(event: APIGatewayProxyEvent): { limit: number; cursor?: string } {
  const raw = queryParam(event, 'limit');
  const limit = raw === undefined ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw ValidationError.of('limit', 'must be an integer from 1 to 100');
  }
  const cursor = queryParam(event, 'cursor');
  return { limit, ...(cursor ? { cursor } : {}) };
}

/** A body is optional on action routes (`{}` when absent). */
function optionalBody(event: APIGatewayProxyEvent): unknown {
  return event.body === null || event.body === '' ? {} : readJsonBody(event);
}

/** The owner-facing routes: parse, call the domain, map the result. */
export function makeApiHandler(service: Service) {
  // Built on the first request for it, not at cold start: few invocations ever ask.
  let openapi: ReturnType<typeof buildOpenApiDocument> | undefined;
  // Keyed by the route table's operations: a route without a handler here does not compile.
  const operations: Record<OperationOf<'api'>, Operation> = {
    listEventTypes: async (event) =>
      json(
        200,
        shape(EventTypesSchema, {
          // The operational tenant's endpoints subscribe to the operational types, and only to those.
          items:
            queryParam(event, 'tenantId') === operationalTenantOf(service.settings)
              ? [...OPERATIONAL_TYPES]
              : [...service.settings.catalog.entries],
        }),
      ),
    createEndpoint: async (event) =>
      json(
        201,
        shape(
          CreatedEndpointSchema,
          await createEndpoint(service, parseWith(CreateEndpointWithSecretSchema, readJsonBody(event))),
        ),
      ),
    listEndpoints: async (event) =>
      json(200, shape(EndpointPageSchema, await listEndpoints(service, tenantOf(event), pageOf(event)))),
    getEndpoint: async (event, id) =>
      json(200, shape(EndpointViewSchema, await getEndpoint(service, tenantOf(event), id))),
    updateEndpoint: async (event, id) => {
      const tenantId = tenantOf(event);
      const input = parseWith(UpdateEndpointSchema, readJsonBody(event));
      return json(200, shape(EndpointViewSchema, await updateEndpoint(service, tenantId, id, input)));
    },
    deleteEndpoint: async (event, id) => {
      await deleteEndpoint(service, tenantOf(event), id);
      return { statusCode: 204, headers: {}, body: '' };
    },
    rotateSecret: async (event, id) => {
      const tenantId = tenantOf(event);
      const input = parseWith(RotateSecretSchema, optionalBody(event));
      return json(200, shape(RotateResultSchema, await rotateSecret(service, tenantId, id, input)));
    },
    testEndpoint: async (event, id) =>
      json(202, shape(TestQueuedSchema, await testEndpoint(service, tenantOf(event), id))),
    recoverEndpoint: async (event, id) => {
      const tenantId = tenantOf(event);
      const input = parseWith(RecoverSchema, readJsonBody(event));
      return json(202, shape(RecoverResultSchema, await recoverEndpoint(service, tenantId, id, input.since)));
    },
    listDeliveries: async (event) => {
      const query = parseWith(ListDeliveriesQuerySchema, {
        tenantId: queryParam(event, 'tenantId'),
        endpointId: queryParam(event, 'endpointId'),
        eventId: queryParam(event, 'eventId'),
        status: queryParam(event, 'status'),
        eventType: queryParam(event, 'eventType'),
        since: queryParam(event, 'since'),
      });
      const { since, ...rest } = query;
      return json(
        200,
        shape(
          DeliveryPageSchema,
          await listDeliveries(service, {
            ...rest,
            ...(since !== undefined ? { since: Date.parse(since) } : {}),
            ...pageOf(event),
          }),
        ),
      );
    },
    getDelivery: async (event, id) =>
      json(
        200,
        shape(
          DeliveryDetailSchema,
          await getDeliveryDetail(service, tenantOf(event), id, queryParam(event, 'eventId')),
        ),
      ),
    replayDelivery: async (event, id) =>
      json(202, shape(ReplayResultSchema, await replayDelivery(service, tenantOf(event), id))),
    health: async () => json(200, shape(HealthSchema, { status: 'ok', queues: await service.queueDepths() })),
    openapi: async () => {
      openapi ??= buildOpenApiDocument();
      return json(200, openapi);
    },
    createPortalToken: async (event) => createPortalToken(service.portal, event),
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(httpErrors(service.log))
    .handler(async (event) => {
      const portal = matchRoute(event.httpMethod, event.path, PORTAL_ROUTES);
      if (portal.kind === 'route') {
        const id = portal.pathParameters.id;
        if (id !== undefined && !isResourceId(id)) throw new NotFoundError('no such resource');
        return runPortalRoute(service.portal, portal.route, event, id ?? '', operations);
      }
      if (portal.kind === 'method_not_allowed') throw new MethodNotAllowedError(portal.allow);
      const match = matchRoute(event.httpMethod, event.path);
      if (match.kind === 'not_found') throw new NotFoundError(`no route for ${event.path}`);
      if (match.kind === 'method_not_allowed') throw new MethodNotAllowedError(match.allow);
      const operation =
        match.route.fn === 'api' ? operations[match.route.operation as OperationOf<'api'>] : undefined;
      if (!operation) throw new NotFoundError(`no route for ${event.path}`);
      const id = match.pathParameters.id;
      if (id !== undefined && !isResourceId(id)) throw new NotFoundError('no such resource');
      return operation(event, id ?? '');
    });
}

export const handler = lambdaEntry(async () => {
  const config = loadConfig();
  const portal = portalOf(config, { now: () => Date.now() });
  const service = await buildLambdaService(config, portal ? { portal } : {});
  return { service, handler: makeApiHandler(service) };
});

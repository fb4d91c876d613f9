import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../config';
import { createEndpoint, getEndpoint, listEndpoints } from '../domain/endpoints';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../domain/errors';
import { CreateEndpointSchema, TenantQuerySchema } from '../domain/schemas';
import { parseWith } from '../domain/validate';
import { httpErrors, json, queryParam, readJsonBody } from '../http/api';
import { matchRoute } from '../http/routes';
import { buildService, lazy, type Service } from '../service';

type Operation = (
  event: APIGatewayProxyEvent,
  params: Record<string, string>,
) => Promise<APIGatewayProxyResult>;

function tenantOf(event: APIGatewayProxyEvent): string {
  return parseWith(TenantQuerySchema, { tenantId: queryParam(event, 'tenantId') }).tenantId;
}

function limitOf(event: APIGatewayProxyEvent): number {
  const raw = queryParam(event, 'limit');
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw ValidationError.of('limit', 'must be an integer from 1 to 100');
  return n;
}

/** The owner-facing routes. Each is a few lines over the domain. */
export function makeApiHandler(service: Service) {
  const operations: Record<string, Operation> = {
    listEventTypes: async () => json(200, { items: service.settings.catalog.entries }),
    createEndpoint: async (event) => {
      const input = parseWith(CreateEndpointSchema, readJsonBody(event));
      return json(201, await createEndpoint(service, input));
    },
    listEndpoints: async (event) => {
      const cursor = queryParam(event, 'cursor');
      const page = await listEndpoints(service, tenantOf(event), {
        limit: limitOf(event),
        ...(cursor ? { cursor } : {}),
      });
      return json(200, page);
    },
    getEndpoint: async (event, params) => json(200, await getEndpoint(service, tenantOf(event), params.id!)),
    getDelivery: async (event, params) => {
      const tenantId = tenantOf(event);
      const delivery = await service.store.getDelivery(params.id!);
      if (!delivery || delivery.tenantId !== tenantId)
        throw new NotFoundError(`delivery ${params.id} not found`);
      return json(200, delivery);
    },
    health: async () => json(200, { status: 'ok', queues: await service.queueDepths() }),
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(httpErrors(service.log))
    .handler(async (event) => {
      const match = matchRoute(event.httpMethod, event.path);
      if (match.kind === 'not_found') throw new NotFoundError(`no route for ${event.path}`);
      if (match.kind === 'method_not_allowed') throw new MethodNotAllowedError(match.allow);
      const operation = operations[match.route.operation];
      if (!operation || match.route.fn !== 'api') throw new NotFoundError(`no route for ${event.path}`);
      return operation(event, match.pathParameters);
    });
}

export const handler = lazy(() => makeApiHandler(buildService(loadConfig())));

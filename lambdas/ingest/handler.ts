import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../config';
import { publishEvent } from '../domain/publish';
import { PublishResultSchema, shape } from '../domain/responses';
import { PublishEventSchema } from '../domain/schemas';
import { parseWith } from '../domain/validate';
import { httpErrors, json, readJsonBody } from '../http/api';
import { buildLambdaService, lazy, type Service } from '../service';

/** POST /v1/events: validate, store the event and its deliveries, queue them, answer 202 (200 if seen). */
export function makeIngestHandler(service: Service) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(httpErrors(service.log))
    .handler(async (event) => {
      const input = parseWith(PublishEventSchema, readJsonBody(event));
      const result = await publishEvent(service, input);
      service.log.info('event published', {
        tenantId: input.tenantId,
        eventId: result.body.id,
        deliveries: result.body.deliveries.length,
        replayed: result.status === 200,
      });
      if (result.status === 202) {
        service.telemetry.count('EventsPublished');
        service.telemetry.count('DeliveriesCreated', result.body.deliveries.length);
        service.telemetry.flush();
      }
      return json(result.status, shape(PublishResultSchema, result.body));
    });
}

export const handler = lazy(async () => makeIngestHandler(await buildLambdaService(loadConfig())));

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig } from '../config';
import { type AppError, ValidationError } from '../domain/errors';
import { publishEvent } from '../domain/publish';
import { MAX_BATCH_EVENTS, publishBatch } from '../domain/publish-batch';
import { type PublishEventInput, PublishEventSchema } from '../domain/schemas';
import { parseWith } from '../domain/validate';
import { httpErrors, json, readJsonBody } from '../http/api';
import { BatchPublishResultSchema, PublishResultSchema, shape } from '../http/responses';
import { lambdaEntry } from '../lambda-entry';
import { buildLambdaService, type Service } from '../service';

/** A batch body may be at most this large (each event's envelope is still held to 256 KB). */
export const MAX_BATCH_BODY_BYTES = 1024 * 1024;

/**
 * POST /v1/events: validate, store the event, queue its deliveries, answer 202 (200 if seen).
 * POST /v1/events/batch: the same for 1 to 100 events, 207 with one result per event.
 */
export function makeIngestHandler(service: Service) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(httpErrors(service.log))
    .handler(async (event) => {
      if ((event.resource ?? event.path ?? '').endsWith('/batch')) return batch(service, event);
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
      }
      return json(result.status, shape(PublishResultSchema, result.body));
    });
}

async function batch(service: Service, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = readJsonBody(event, MAX_BATCH_BODY_BYTES);
  const events =
    body && typeof body === 'object' && !Array.isArray(body)
      ? (body as { events?: unknown }).events
      : undefined;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_BATCH_EVENTS) {
    throw ValidationError.of('events', `must be an array of 1 to ${MAX_BATCH_EVENTS} events`);
  }
  const extra = Object.keys(body as object).filter((k) => k !== 'events');
  if (extra.length > 0) throw ValidationError.of(extra[0]!, 'is not a known field');
  const invalid = new Map<number, AppError>();
  const inputs: (PublishEventInput | undefined)[] = events.map((e, i) => {
    try {
      return parseWith(PublishEventSchema, e);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Field names say which event: events.3.tenantId.
      invalid.set(
        i,
        new ValidationError(
          error.fields.map((f) => ({ ...f, field: `events.${i}${f.field ? `.${f.field}` : ''}` })),
        ),
      );
      return undefined;
    }
  });
  const results = await publishBatch(service, inputs, invalid);
  const created = results.filter((r) => r.status === 202);
  service.log.info('event batch published', { events: results.length, created: created.length });
  if (created.length > 0) {
    service.telemetry.count('EventsPublished', created.length);
    service.telemetry.count(
      'DeliveriesCreated',
      created.reduce((n, r) => n + ('deliveries' in r ? r.deliveries.length : 0), 0),
    );
  }
  return json(207, shape(BatchPublishResultSchema, { results }));
}

export const handler = lambdaEntry(async () => {
  const service = await buildLambdaService(loadConfig());
  return { service, handler: makeIngestHandler(service) };
});

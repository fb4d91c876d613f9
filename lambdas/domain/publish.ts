import { serializeEnvelope } from './envelope';
import { ValidationError } from './errors';
import { selectEndpoints } from './fanout';
import { newId } from './ids';
import { nextAttemptMessage } from './messages';
import { type DeliveryMessage, newDelivery, type StoredEvent } from './model';
import type { Clock, DeliveryQueues, WebhookStore } from './ports';
import type { PublishEventInput } from './schemas';
import type { ServiceSettings } from './settings';

export interface PublishDeps {
  readonly store: WebhookStore;
  readonly queues: DeliveryQueues;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

export interface PublishResult {
  /** 202 for a new event, 200 for an id the tenant already published. */
  readonly status: 200 | 202;
  readonly body: { id: string; deliveries: { id: string; endpointId: string }[] };
}

/**
 * Stores an event and one delivery per subscribed endpoint in one transaction, then queues one message
 * per delivery. Answers only once both are durable. If queueing fails the caller gets an error (503) and
 * the deliveries stay pending in the table: a retry with the same `id` re-queues them, and so does the
 * sweeper if the caller never retries.
 */
export async function publishEvent(deps: PublishDeps, input: PublishEventInput): Promise<PublishResult> {
  const { store, queues, clock, settings } = deps;
  if (!settings.catalog.has(input.type)) {
    throw ValidationError.of('type', `"${input.type}" is not in the event catalog (GET /v1/event-types)`);
  }
  const now = clock.now();
  const eventId = input.id ?? newId('evt', now);
  const createdAt = new Date(now).toISOString();
  const endpoints = selectEndpoints(await store.listTenantEndpoints(input.tenantId), input.type);

  const deliveries = endpoints.map((endpoint) =>
    newDelivery({ tenantId: input.tenantId, eventId, eventType: input.type, endpointId: endpoint.id }, now),
  );
  const event: StoredEvent = {
    id: eventId,
    tenantId: input.tenantId,
    type: input.type,
    body: serializeEnvelope({ id: eventId, type: input.type, createdAt, data: input.data }),
    createdAt,
    deliveries: deliveries.map((d) => ({ id: d.id, endpointId: d.endpointId })),
  };

  const outcome = await store.createEvent(event, deliveries, now + settings.sweepGraceMs);
  if (outcome === 'exists') return republish(deps, input.tenantId, eventId);

  const ordering = new Map(endpoints.map((ep) => [ep.id, ep]));
  await queues.enqueue(
    deliveries.map((d) => nextAttemptMessage(d, ordering.get(d.endpointId)!.ordering, event)),
  );
  return { status: 202, body: { id: eventId, deliveries: [...event.deliveries] } };
}

/**
 * An id seen before: nothing new is created and the original answer is returned. First attempts that
 * never started are queued again, in case the earlier call failed between the table and the queue; the
 * FIFO deduplication id (delivery id + attempt) and the attempt check make a second copy harmless.
 */
async function republish(deps: PublishDeps, tenantId: string, eventId: string): Promise<PublishResult> {
  const event = await deps.store.getEvent(tenantId, eventId);
  if (!event) throw new Error(`event ${eventId} reported as existing but not found`);
  const unstarted = (await deps.store.getDeliveries(event.deliveries.map((d) => d.id))).filter(
    (d) => d.status === 'pending' && d.attemptCount === 0,
  );
  if (unstarted.length > 0) {
    // One read of the tenant's endpoints, not one per delivery. A deleted endpoint's delivery is left to
    // the sweeper, which queues it so that the attempt records why it failed.
    const endpoints = new Map((await deps.store.listTenantEndpoints(tenantId)).map((ep) => [ep.id, ep]));
    const messages: DeliveryMessage[] = [];
    for (const delivery of unstarted) {
      const endpoint = endpoints.get(delivery.endpointId);
      if (endpoint) messages.push(nextAttemptMessage(delivery, endpoint.ordering, event));
    }
    await deps.queues.enqueue(messages);
  }
  return { status: 200, body: { id: event.id, deliveries: [...event.deliveries] } };
}

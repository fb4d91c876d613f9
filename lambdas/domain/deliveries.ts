import { ConflictError, NotFoundError, ValidationError } from './errors';
import { newId } from './ids';
import { nextAttemptMessage } from './messages';
import { type Delivery, type Endpoint, newDelivery } from './model';
import type { Clock, DeliveryQuery, DeliveryQueues, Page, WebhookStore } from './ports';
import { deliveryHeaders, redactSignature } from './request';
import type { ServiceSettings } from './settings';

export interface DeliveriesDeps {
  readonly store: WebhookStore;
  readonly queues: DeliveryQueues;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

/** A delivery in a listing: everything but the attempts' details. */
export type DeliverySummary = Omit<Delivery, 'attempts'> & {
  readonly lastAttempt?: {
    readonly responseStatus?: number;
    readonly errorClass?: string;
    readonly startedAt: string;
  };
};

export function summarize(delivery: Delivery): DeliverySummary {
  const { attempts, ...rest } = delivery;
  const last = attempts[attempts.length - 1];
  return {
    ...rest,
    ...(last
      ? {
          lastAttempt: {
            startedAt: last.startedAt,
            ...(last.responseStatus !== undefined ? { responseStatus: last.responseStatus } : {}),
            ...(last.errorClass ? { errorClass: last.errorClass } : {}),
          },
        }
      : {}),
  };
}

export async function listDeliveries(
  deps: Pick<DeliveriesDeps, 'store'>,
  query: DeliveryQuery,
): Promise<Page<DeliverySummary>> {
  const page = await deps.store.listDeliveries(query);
  return { items: page.items.map(summarize), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

async function mustGetDelivery(store: WebhookStore, tenantId: string, id: string): Promise<Delivery> {
  const delivery = await store.getDelivery(id);
  if (!delivery || delivery.tenantId !== tenantId) throw new NotFoundError(`delivery ${id} not found`);
  return delivery;
}

/**
 * One delivery with every attempt and the exact request: the stored body bytes and the headers as sent,
 * signatures masked (never a secret).
 */
export async function getDeliveryDetail(deps: DeliveriesDeps, tenantId: string, id: string) {
  const delivery = await mustGetDelivery(deps.store, tenantId, id);
  const [event, endpoint] = await Promise.all([
    deps.store.getEvent(tenantId, delivery.eventId),
    deps.store.getEndpoint(tenantId, delivery.endpointId),
  ]);
  // The headers of the last attempt as they were sent (signature masked when recorded). Before any attempt
  // there is no request yet: show what one will carry, its signature masked.
  const headers =
    delivery.attempts.at(-1)?.requestHeaders ??
    redactSignature(
      deliveryHeaders({
        scheme: deps.settings.signatureScheme,
        brand: deps.settings.brand,
        body: event?.body ?? '',
        eventType: delivery.eventType,
        deliveryId: delivery.id,
        secrets: [{ secret: 'not-a-secret' }],
        now: deps.clock.now(),
      }),
      deps.settings.brand,
    );
  return {
    ...delivery,
    request: { method: 'POST', url: endpoint?.url ?? null, headers, body: event?.body ?? null },
  };
}

async function usableEndpoint(store: WebhookStore, delivery: Delivery): Promise<Endpoint> {
  const endpoint = await store.getEndpoint(delivery.tenantId, delivery.endpointId);
  if (!endpoint) throw new ConflictError(`endpoint ${delivery.endpointId} no longer exists`);
  if (endpoint.status !== 'enabled')
    throw new ConflictError(`endpoint ${delivery.endpointId} is disabled; enable it first`);
  return endpoint;
}

/**
 * Sends a delivery again as a new delivery (new id) of the same event body, signed afresh at send time,
 * queued in the endpoint's group behind whatever is already there. Succeeded and failed deliveries only.
 */
export async function replayDelivery(
  deps: DeliveriesDeps,
  tenantId: string,
  id: string,
): Promise<{ id: string }> {
  const original = await mustGetDelivery(deps.store, tenantId, id);
  if (original.status === 'pending')
    throw new ConflictError(`delivery ${id} is still pending; wait for it to end`);
  const endpoint = await usableEndpoint(deps.store, original);
  const now = deps.clock.now();
  const replay = newDelivery(
    {
      tenantId,
      eventId: original.eventId,
      eventType: original.eventType,
      endpointId: original.endpointId,
      replayOf: original.id,
    },
    now,
  );
  await deps.store.createDelivery(replay, now + deps.settings.sweepGraceMs);
  await deps.queues.enqueue([nextAttemptMessage(replay, endpoint.ordering)]);
  return { id: replay.id };
}

/** Recovery looks back at most the retention period. */
const DAY_MS = 86_400_000;

/**
 * Re-queues every delivery of an endpoint that ended `failed` at or after `since`, keeping its id (so
 * receivers can still deduplicate) and giving it a new round of the full retry schedule.
 */
export async function recoverEndpoint(
  deps: DeliveriesDeps,
  tenantId: string,
  endpointId: string,
  since: string,
): Promise<{ requeued: number }> {
  const now = deps.clock.now();
  const sinceMs = Date.parse(since);
  if (sinceMs > now) throw ValidationError.of('since', 'must not be in the future');
  if (sinceMs < now - deps.settings.retentionDays * DAY_MS) {
    throw ValidationError.of(
      'since',
      `must be within the retention period (${deps.settings.retentionDays} days)`,
    );
  }
  const endpoint = await deps.store.getEndpoint(tenantId, endpointId);
  if (!endpoint) throw new NotFoundError(`endpoint ${endpointId} not found`);
  if (endpoint.status !== 'enabled')
    throw new ConflictError(`endpoint ${endpointId} is disabled; enable it first`);

  // A delivery that failed after `since` was created at most the whole schedule earlier.
  const scheduleMs = deps.settings.retry.delaysMs.reduce((a, b) => a + b, 0) * 2 + DAY_MS;
  const fromId = newId('dlv', Math.max(0, sinceMs - scheduleMs)).slice(0, 14);
  const recovered: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listDeliveries({
      tenantId,
      endpointId,
      status: 'failed',
      fromId,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const delivery of page.items) {
      if (Date.parse(delivery.updatedAt) < sinceMs) continue;
      if (await deps.store.recoverDelivery(delivery.id, now, now + deps.settings.sweepGraceMs))
        recovered.push(delivery);
    }
    cursor = page.cursor;
  } while (cursor);

  // Oldest first, so the endpoint gets them in publish order.
  recovered.sort((a, b) => (a.id < b.id ? -1 : 1));
  const messages = recovered.map((d) => nextAttemptMessage(d, endpoint.ordering));
  await deps.queues.enqueue(messages);
  return { requeued: recovered.length };
}

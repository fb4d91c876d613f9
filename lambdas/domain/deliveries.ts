import { ConflictError, NotFoundError, ValidationError } from './errors';
import { endpointOfDelivery } from './ids';
import { nextAttemptMessage } from './messages';
import { type DeliverySummary, type Endpoint, newDelivery, type StoredEvent } from './model';
import type {
  Clock,
  DeliveryQuery,
  DeliveryQueues,
  DeliveryStore,
  EndpointStore,
  EventStore,
  Page,
} from './ports';
import type { ServiceSettings } from './settings';

export type { DeliverySummary } from './model';

export interface DeliveriesDeps {
  readonly store: DeliveryStore & EventStore & Pick<EndpointStore, 'getEndpoint'>;
  readonly queues: Pick<DeliveryQueues, 'enqueue'>;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

const DAY_MS = 86_400_000;

/** What a listing shows: the record's public fields (no internal round counter). */
function publicSummary(d: DeliverySummary): DeliverySummary {
  const { round: _round, ...rest } = d;
  return rest;
}

/**
 * The deliveries log. By endpoint: the endpoint's own records, newest first. By event: the event's
 * deliveries (and replays) from the event record, with those not attempted yet shown `pending`. By
 * status alone: a tenant's `pending` or `failed` deliveries across endpoints.
 */
export async function listDeliveries(
  deps: Pick<DeliveriesDeps, 'store'>,
  query: DeliveryQuery & { readonly eventId?: string; readonly eventType?: string },
): Promise<Page<DeliverySummary>> {
  const { eventType, ...rest } = query;
  const page =
    rest.eventId !== undefined
      ? await listEventDeliveries(deps, rest, rest.eventId)
      : await deps.store.listDeliveries(rest).then((p) => ({ ...p, items: p.items.map(publicSummary) }));
  if (eventType === undefined) return page;
  // Filtered after the page is read, as DynamoDB's filters are: a page may come back short (even
  // empty) with a cursor, and the caller pages on until there is none.
  return { ...page, items: page.items.filter((d) => d.eventType === eventType) };
}

async function listEventDeliveries(
  deps: Pick<DeliveriesDeps, 'store'>,
  query: DeliveryQuery,
  eventId: string,
): Promise<Page<DeliverySummary>> {
  const event = await deps.store.getEvent(query.tenantId, eventId);
  if (!event) return { items: [] };
  const all = [...event.deliveries, ...(event.replays ?? [])].sort((a, b) => (a.id < b.id ? 1 : -1));
  const start = query.cursor ? decodeIndex(query.cursor, all.length) : 0;
  const slice = all.slice(start, start + query.limit);
  const recorded = new Map(
    (
      await deps.store.getDeliveries(
        query.tenantId,
        slice.map((d) => d.id),
      )
    ).map((d) => [d.id, d]),
  );
  const items = slice
    .map((d) => recorded.get(d.id) ?? notYetAttempted(event, d))
    .filter((d) => query.status === undefined || d.status === query.status)
    .filter((d) => query.since === undefined || Date.parse(d.createdAt) >= query.since)
    .map(publicSummary);
  const next = start + query.limit;
  return { items, ...(next < all.length ? { cursor: encodeIndex(next) } : {}) };
}

function encodeIndex(i: number): string {
  return Buffer.from(JSON.stringify({ i }), 'utf8').toString('base64url');
}

function decodeIndex(cursor: string, length: number): number {
  try {
    const { i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { i: unknown };
    if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i <= length) return i;
  } catch {
    // fall through
  }
  throw ValidationError.of('cursor', 'is not a cursor returned by this listing');
}

/** A delivery that has no record yet: queued, its first attempt not made. */
function notYetAttempted(event: StoredEvent, d: { id: string; endpointId: string }): DeliverySummary {
  return {
    id: d.id,
    tenantId: event.tenantId,
    eventId: event.id,
    eventType: event.type,
    endpointId: d.endpointId,
    status: 'pending',
    attemptCount: 0,
    createdAt: event.createdAt,
    updatedAt: event.createdAt,
  };
}

/**
 * One delivery with every attempt and the exact request: the stored body bytes and the headers the last
 * attempt sent, signatures masked (never a secret). A delivery not attempted yet is found through its event.
 */
export async function getDeliveryDetail(
  deps: DeliveriesDeps,
  tenantId: string,
  id: string,
  eventIdHint?: string,
) {
  const delivery = await deps.store.getDelivery(tenantId, id);
  if (!delivery) {
    if (eventIdHint === undefined)
      throw new NotFoundError(
        `delivery ${id} not found (a delivery has a record once its first attempt is made; until then ` +
          'GET /v1/deliveries?eventId=<its event> lists it as pending, and so does this route with &eventId=)',
      );
    const event = await deps.store.getEvent(tenantId, eventIdHint);
    const listed = event && [...event.deliveries, ...(event.replays ?? [])].find((d) => d.id === id);
    if (!event || !listed) throw new NotFoundError(`delivery ${id} not found`);
    const endpoint = await deps.store.getEndpoint(tenantId, listed.endpointId);
    return {
      ...notYetAttempted(event, listed),
      attempts: [],
      request: { method: 'POST', url: endpoint?.url ?? null, headers: null, body: event.body },
    };
  }
  const [event, endpoint] = await Promise.all([
    deps.store.getEvent(tenantId, delivery.eventId),
    deps.store.getEndpoint(tenantId, delivery.endpointId),
  ]);
  const { round: _round, ...rest } = delivery;
  return {
    ...rest,
    request: {
      method: 'POST',
      url: endpoint?.url ?? null,
      headers: delivery.attempts.at(-1)?.requestHeaders ?? null,
      body: event?.body ?? null,
    },
  };
}

async function usableEndpoint(deps: DeliveriesDeps, tenantId: string, endpointId: string): Promise<Endpoint> {
  const endpoint = await deps.store.getEndpoint(tenantId, endpointId);
  if (!endpoint) throw new ConflictError(`endpoint ${endpointId} no longer exists`);
  if (endpoint.status !== 'enabled')
    throw new ConflictError(`endpoint ${endpointId} is disabled; enable it first`);
  return endpoint;
}

/** How long an event must still be kept once a delivery of it starts (again): the whole schedule, and more. */
export function keepUntil(settings: ServiceSettings, now: number): number {
  return now + settings.retentionDays * DAY_MS;
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
  const original = await deps.store.getDelivery(tenantId, id);
  if (!original) {
    // No record yet: a delivery of one of the tenant's endpoints that is still queued for its first attempt.
    const endpointId = endpointOfDelivery(id);
    if (endpointId && (await deps.store.getEndpoint(tenantId, endpointId)))
      throw new ConflictError(
        `delivery ${id} has no outcome yet (queued for its first attempt); wait for it to end`,
      );
    throw new NotFoundError(`delivery ${id} not found`);
  }
  if (original.status === 'pending')
    throw new ConflictError(`delivery ${id} is still pending; wait for it to end`);
  if (original.status === 'held')
    throw new ConflictError(
      `delivery ${id} is held while its endpoint is disabled; enabling the endpoint sends it`,
    );
  const endpoint = await usableEndpoint(deps, tenantId, original.endpointId);
  const event = await deps.store.getEvent(tenantId, original.eventId);
  if (!event) throw new ConflictError(`the event of delivery ${id} is no longer stored (past retention)`);
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
  // The event outlives its newest delivery; the replay has a record at once, so it can be read while queued.
  await deps.store.retainEvent(tenantId, event.id, keepUntil(deps.settings, now), {
    id: replay.id,
    endpointId: replay.endpointId,
  });
  await deps.store.createDelivery(replay, now + deps.settings.sweepGraceMs);
  await deps.queues.enqueue([{ ...nextAttemptMessage(replay, endpoint.ordering, event), recorded: true }]);
  return { id: replay.id };
}

export { recoverEndpoint } from './recover';

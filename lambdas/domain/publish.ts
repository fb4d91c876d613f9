import type { TenantEndpointsLookup } from './endpoint-cache';
import { serializeEnvelope } from './envelope';
import { PayloadTooLargeError, ValidationError } from './errors';
import { selectEndpoints, selectHeld } from './fanout';
import { newId } from './ids';
import { nextAttemptMessage } from './messages';
import { type Delivery, type DeliveryMessage, type Endpoint, newDelivery, type StoredEvent } from './model';
import { checkPublisher } from './operational';
import type { Clock, DeliveryQueues, DeliveryStore, EndpointStore, EventStore } from './ports';
import type { PublishEventInput } from './schemas';
import type { ServiceSettings } from './settings';

export interface PublishDeps {
  readonly store: Pick<EndpointStore, 'listTenantEndpoints'> &
    EventStore &
    Pick<DeliveryStore, 'holdDeliveries' | 'getDeliveries'>;
  readonly queues: Pick<DeliveryQueues, 'enqueue'>;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  /** The tenant's endpoints as fan-out sees them (cached for `FANOUT_CACHE_TTL`); the store when absent. */
  readonly tenantEndpoints?: TenantEndpointsLookup;
}

/** The tenant's endpoints for fan-out: the cached view when the deps have one, else a read. */
export function endpointsForFanout(deps: PublishDeps, tenantId: string): Promise<readonly Endpoint[]> {
  return deps.tenantEndpoints ? deps.tenantEndpoints(tenantId) : deps.store.listTenantEndpoints(tenantId);
}

export interface PublishResult {
  /** 202 for a new event, 200 for an id the tenant already published. */
  readonly status: 200 | 202;
  readonly body: { id: string; deliveries: { id: string; endpointId: string }[] };
}

/** The request body limit (the HTTP layer enforces it; stated here for the envelope's allowance). */
const MAX_REQUEST_BYTES = 256 * 1024;
/**
 * The stored envelope may not exceed this: the request limit plus room for what the envelope adds and
 * the request lacks (`id`, up to 128 characters, and `created_at`), so any request under the limit fits
 * unless its data grows on re-serialization (`1e20` becomes 21 digits). Messages carry bodies only up to
 * a smaller size, so this bounds the event item (DynamoDB: 400 KB), not a queue message.
 */
export const MAX_ENVELOPE_BYTES = MAX_REQUEST_BYTES + 1024;

/**
 * A repeat of an id within this long of the first publish re-sends its messages: SQS drops copies with
 * the same deduplication id for 5 minutes, so a resend can only fill in what a failed call never sent.
 */
const RESEND_WINDOW_MS = 4 * 60_000;

/**
 * Publishes one event: reads the tenant's endpoints, writes the event with a conditional put (the
 * idempotency check; no delivery records yet), then queues one message per subscribed endpoint carrying
 * the envelope. Answers only once both are durable.
 *
 * If the send fails the caller gets an error (503), the event is marked unsent and the sweeper sends it
 * if the caller does not retry; a retry with the same `id` sends it at once. Copies are dropped by SQS's
 * deduplication (same delivery, round and attempt within 5 minutes).
 */
export async function publishEvent(
  deps: PublishDeps,
  input: PublishEventInput,
  options: { readonly internal?: boolean } = {},
): Promise<PublishResult> {
  const endpoints = await endpointsForFanout(deps, input.tenantId);
  const prepared = prepareEvent(deps, input, endpoints, options);
  if ((await deps.store.putEvent(prepared.event)) === 'exists')
    return republish(deps, input.tenantId, prepared.event.id, endpoints);
  try {
    await sendPrepared(deps, [prepared]);
  } catch (error) {
    await markUnsent(deps, [prepared.event]);
    throw error;
  }
  return accepted(prepared.event);
}

/**
 * Sends the first-attempt messages of new events in order, and writes the held records of those for
 * disabled endpoints (no message: they wait for the endpoint to be enabled).
 */
export async function sendPrepared(deps: PublishDeps, prepared: readonly PreparedEvent[]): Promise<void> {
  const held = prepared.flatMap((p) => p.held);
  await Promise.all([
    deps.queues.enqueue(prepared.flatMap((p) => p.messages)),
    held.length > 0 ? deps.store.holdDeliveries(held) : undefined,
  ]);
}

export function accepted(event: StoredEvent): PublishResult {
  return { status: 202, body: { id: event.id, deliveries: [...event.deliveries] } };
}

/** After a failed send: the sweeper sends these events' messages if their callers do not retry first. */
export async function markUnsent(deps: PublishDeps, events: readonly StoredEvent[]): Promise<void> {
  const at = deps.clock.now() + deps.settings.sweepGraceMs;
  await Promise.all(events.map((e) => deps.store.markUnsent(e.tenantId, e.id, at).catch(() => undefined)));
}

export interface PreparedEvent {
  readonly event: StoredEvent;
  readonly messages: DeliveryMessage[];
  /** Deliveries to disabled endpoints: kept as `held` records, sent once the endpoint is enabled. */
  readonly held: Delivery[];
}

/**
 * The event record and its first-attempt messages, from the input and the tenant's endpoints: checks the
 * type against the catalog and the envelope's size (numbers re-serialize longer than they were sent:
 * `1e20` becomes 21 digits), picks the subscribed endpoints, and names a delivery for each.
 */
export function prepareEvent(
  deps: Pick<PublishDeps, 'clock' | 'settings'>,
  input: PublishEventInput,
  tenantEndpoints: readonly Endpoint[],
  options: { readonly internal?: boolean } = {},
): PreparedEvent {
  const { clock, settings } = deps;
  checkPublisher(settings, input, options.internal ?? false);
  if (!options.internal && !settings.catalog.has(input.type)) {
    throw ValidationError.of('type', `"${input.type}" is not in the event catalog (GET /v1/event-types)`);
  }
  const now = clock.now();
  const eventId = input.id ?? newId('evt', now);
  const createdAt = new Date(now).toISOString();
  const body = serializeEnvelope({ id: eventId, type: input.type, createdAt, data: input.data });
  const size = Buffer.byteLength(body, 'utf8');
  if (size > MAX_ENVELOPE_BYTES) {
    throw new PayloadTooLargeError(
      MAX_ENVELOPE_BYTES,
      `the event envelope would be ${size} bytes once serialized; at most ${MAX_ENVELOPE_BYTES} are allowed`,
    );
  }
  const endpoints = selectEndpoints(tenantEndpoints, input.type, input.data);
  const of = (endpoint: Endpoint) =>
    newDelivery({ tenantId: input.tenantId, eventId, eventType: input.type, endpointId: endpoint.id }, now);
  const deliveries = endpoints.map(of);
  const held = selectHeld(tenantEndpoints, input.type, input.data).map(of);
  const event: StoredEvent = {
    id: eventId,
    tenantId: input.tenantId,
    type: input.type,
    body,
    createdAt,
    deliveries: [...deliveries, ...held].map((d) => ({ id: d.id, endpointId: d.endpointId })),
  };
  const messages = deliveries.map((d, i) => nextAttemptMessage(d, endpoints[i]!.ordering, event));
  return { event, messages, held };
}

/**
 * An id seen before: nothing new is created and the original answer is returned. If the first call may
 * not have sent every message (it failed, or it is recent enough that SQS still deduplicates), they are
 * sent again: a copy of one that did go out is dropped by SQS. A delivery with a record is left out: it
 * was sent (it has an outcome), or it is held, or it was released or recovered into a later round, whose
 * message a round-0 copy would not deduplicate against.
 */
export async function republish(
  deps: PublishDeps,
  tenantId: string,
  eventId: string,
  endpoints: readonly Endpoint[],
): Promise<PublishResult> {
  const event = await deps.store.getEvent(tenantId, eventId);
  if (!event) throw new Error(`event ${eventId} reported as existing but not found`);
  const age = deps.clock.now() - Date.parse(event.createdAt);
  if (event.unsent || age < RESEND_WINDOW_MS) {
    const recorded =
      event.deliveries.length > 0
        ? await deps.store.getDeliveries(
            tenantId,
            event.deliveries.map((d) => d.id),
          )
        : [];
    await sendFirstAttempts(deps, event, endpoints, new Set(recorded.map((d) => d.id)));
  }
  return { status: 200, body: { id: event.id, deliveries: [...event.deliveries] } };
}

/**
 * Sends the first-attempt message of each of an event's deliveries whose endpoint still exists (or holds
 * it, when the endpoint is disabled), then clears the event's unsent mark. A deleted endpoint's delivery
 * is not sent: there is nothing to send to.
 */
export async function sendFirstAttempts(
  deps: PublishDeps,
  event: StoredEvent,
  endpoints: readonly Endpoint[],
  skip: ReadonlySet<string> = new Set(),
): Promise<void> {
  const byId = new Map(endpoints.map((ep) => [ep.id, ep]));
  const messages: DeliveryMessage[] = [];
  const held: Delivery[] = [];
  for (const d of event.deliveries) {
    const endpoint = byId.get(d.endpointId);
    if (!endpoint || skip.has(d.id)) continue;
    const delivery = newDelivery(
      {
        id: d.id,
        tenantId: event.tenantId,
        eventId: event.id,
        eventType: event.type,
        endpointId: d.endpointId,
      },
      Date.parse(event.createdAt),
    );
    if (endpoint.status === 'disabled') held.push(delivery);
    else messages.push(nextAttemptMessage(delivery, endpoint.ordering, event));
  }
  await Promise.all([
    deps.queues.enqueue(messages),
    held.length > 0 ? deps.store.holdDeliveries(held) : undefined,
  ]);
  if (event.unsent) await deps.store.clearUnsent(event.tenantId, event.id);
}

/**
 * Sending again what an endpoint did not get: `recover` (failed deliveries since a time, and those held
 * while it was disabled) and the release of held deliveries when the endpoint is enabled.
 */
import { type DeliveriesDeps, keepUntil } from './deliveries';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { inParallel } from './in-parallel';
import { nextAttemptMessage } from './messages';
import type { DeliverySummary, Endpoint, StoredEvent } from './model';
import type { DeliveryQuery } from './ports';

const DAY_MS = 86_400_000;

/** Conditional writes in flight at once while turning deliveries pending again. */
const WRITES_IN_FLIGHT = 16;

/**
 * Re-queues every delivery of an endpoint that ended `failed` at or after `since`, and every delivery
 * held for it (created while it was disabled) since then, keeping each id (so receivers can still
 * deduplicate) and giving each a new round of the full retry schedule, oldest first.
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
  const failed = (
    await collect(deps, { tenantId, endpointId, status: 'failed', since: Math.max(0, sinceMs - scheduleMs) })
  ).filter((d) => Date.parse(d.updatedAt) >= sinceMs);
  const held = await collect(deps, { tenantId, endpointId, status: 'held', since: sinceMs });
  return { requeued: await requeue(deps, endpoint, [...failed, ...held]) };
}

/**
 * Sends the deliveries held for an endpoint that has just been enabled, in publish order: those created
 * since it was disabled (a minute's margin for clocks). Older ones, left by an earlier release cut short,
 * are sent by `recover` with an earlier `since`. Returns how many were sent.
 */
export async function releaseHeld(
  deps: DeliveriesDeps,
  endpoint: Endpoint,
  disabledAt: number,
): Promise<number> {
  const since = Math.max(disabledAt - 60_000, deps.clock.now() - deps.settings.retentionDays * DAY_MS);
  const held = await collect(deps, {
    tenantId: endpoint.tenantId,
    endpointId: endpoint.id,
    status: 'held',
    since,
  });
  return requeue(deps, endpoint, held);
}

async function collect(
  deps: DeliveriesDeps,
  query: Omit<DeliveryQuery, 'limit' | 'cursor'>,
): Promise<DeliverySummary[]> {
  const found: DeliverySummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listDeliveries({ ...query, limit: 100, ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/**
 * Turns each delivery pending again (a conditional write: a concurrent recover or release of the same one
 * loses) and queues them oldest first, so the endpoint gets them in publish order. Each message carries
 * its body; the event is kept at least as long as the new round may take.
 */
async function requeue(deps: DeliveriesDeps, endpoint: Endpoint, list: readonly DeliverySummary[]) {
  const now = deps.clock.now();
  const recovered: DeliverySummary[] = [];
  await inParallel(list, WRITES_IN_FLIGHT, async (delivery) => {
    const again = await deps.store.recoverDelivery(
      endpoint.tenantId,
      delivery.id,
      now,
      now + deps.settings.sweepGraceMs,
    );
    if (again) recovered.push(again);
  });
  recovered.sort((a, b) => (a.id < b.id ? -1 : 1));
  const events = new Map<string, StoredEvent | undefined>();
  const messages = [];
  for (const d of recovered) {
    if (!events.has(d.eventId)) {
      await deps.store.retainEvent(endpoint.tenantId, d.eventId, keepUntil(deps.settings, now));
      events.set(d.eventId, await deps.store.getEvent(endpoint.tenantId, d.eventId));
    }
    messages.push({
      ...nextAttemptMessage(d, endpoint.ordering, events.get(d.eventId), d.round ?? 0),
      recorded: true,
    });
  }
  await deps.queues.enqueue(messages);
  return recovered.length;
}

import { inParallel } from './in-parallel';
import { nextAttemptMessage } from './messages';
import type { DeliveryMessage, Endpoint } from './model';
import type { Clock, DeliveryQueues, DeliveryStore, EndpointStore, EventStore } from './ports';
import { sendFirstAttempts } from './publish';
import type { ServiceSettings } from './settings';

export interface SweepDeps {
  readonly store: Pick<
    DeliveryStore,
    'listSweepable' | 'rescheduleSweep' | 'getDeliveries' | 'holdDeliveries'
  > &
    Pick<EndpointStore, 'getEndpoint' | 'listTenantEndpoints'> &
    EventStore;
  readonly queues: Pick<DeliveryQueues, 'enqueue' | 'delay'>;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

/**
 * The safety net for work no message carries any more:
 * - an event whose publish failed between the table and the queue (marked unsent) and whose caller did
 *   not retry: its first attempts are sent;
 * - a delivery waiting for a retry whose `sweepAt` passed (its retry message was lost, or dead-lettered
 *   by the retry queue's redrive): its next attempt is queued again.
 * A copy of a message that was only slow is harmless: a message seen before reads its delivery's state
 * and skips an attempt already made.
 *
 * `everything` takes every sweepable item regardless of `sweepAt`; the local runtime uses it at start,
 * when its in-memory queues are new and so certainly hold none of them.
 */
export async function sweep(
  deps: SweepDeps,
  options: { limit?: number; everything?: boolean } = {},
): Promise<{ requeued: number }> {
  const { store, queues, clock, settings } = deps;
  const now = clock.now();
  const limit = options.everything ? Number.MAX_SAFE_INTEGER : (options.limit ?? 500);
  const due = await store.listSweepable(now, limit, options.everything ?? false);
  if (due.length === 0) return { requeued: 0 };

  // Events in publish order; a delivery with a record was sent (it has an outcome), so is not sent again.
  const events = due
    .flatMap((i) => (i.kind === 'event' ? [i.event] : []))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const tenants = new Map<string, Endpoint[]>();
  for (const event of events) {
    const recorded = await store.getDeliveries(
      event.tenantId,
      event.deliveries.map((d) => d.id),
    );
    if (recorded.length === event.deliveries.length && !event.unsent) continue;
    if (!tenants.has(event.tenantId))
      tenants.set(event.tenantId, await store.listTenantEndpoints(event.tenantId));
    await sendFirstAttempts(
      { store, queues, clock, settings },
      event,
      tenants.get(event.tenantId)!,
      new Set(recorded.map((d) => d.id)),
    );
  }

  // Publish order within each endpoint: ids sort by creation time.
  const deliveries = due
    .flatMap((i) => (i.kind === 'delivery' ? [i] : []))
    .sort((a, b) => (a.delivery.id < b.delivery.id ? -1 : a.delivery.id > b.delivery.id ? 1 : 0));
  const endpoints = new Map<string, Endpoint | undefined>();
  const ready: DeliveryMessage[] = [];
  for (const { delivery } of deliveries) {
    const key = `${delivery.tenantId}/${delivery.endpointId}`;
    if (!endpoints.has(key))
      endpoints.set(key, await store.getEndpoint(delivery.tenantId, delivery.endpointId));
    const event = await store.getEvent(delivery.tenantId, delivery.eventId);
    const message: DeliveryMessage = {
      ...nextAttemptMessage(
        delivery,
        endpoints.get(key)?.ordering ?? 'sequential',
        event,
        delivery.round ?? 0,
      ),
      recorded: true,
    };
    const dueAt = delivery.nextAttemptAt ?? now;
    if (dueAt > now) await queues.delay({ ...message, dueAt });
    else ready.push(message);
  }
  await queues.enqueue(ready);

  // Back off for deliveries that were only stuck behind a backlog, so they are not copied every tick.
  // Never earlier than it was: a delivery waiting hours for its retry keeps its later sweep time.
  await inParallel(deliveries, SWEEP_WRITES_IN_FLIGHT, ({ delivery, sweepAt }) => {
    const created = Date.parse(delivery.createdAt);
    const next = Math.max(now + Math.max(settings.sweepGraceMs, now - created), sweepAt);
    return store.rescheduleSweep(delivery.tenantId, delivery.id, sweepAt, next);
  });
  return { requeued: due.length };
}

/** Conditional writes the sweeper keeps in flight at once (each is independent of the others). */
const SWEEP_WRITES_IN_FLIGHT = 16;

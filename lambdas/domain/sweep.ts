import { nextAttemptMessage } from './messages';
import type { DeliveryMessage, Endpoint } from './model';
import type { Clock, DeliveryQueues, WebhookStore } from './ports';
import { planHop } from './retry-policy';
import type { ServiceSettings } from './settings';

export interface SweepDeps {
  readonly store: WebhookStore;
  readonly queues: DeliveryQueues;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
}

/**
 * Finds pending deliveries whose message should have been processed by now (`sweepAt` passed) and queues
 * them again: a crash between the table write and the queue send, or a lost retry hop, ends here rather
 * than in silence. A copy of a message that was only slow is harmless: the attempt check skips it.
 *
 * `everything` re-queues every pending delivery regardless of `sweepAt`; the local runtime uses it at
 * start, when its in-memory queues are new and so certainly hold none of them.
 */
export async function sweep(
  deps: SweepDeps,
  options: { limit?: number; everything?: boolean } = {},
): Promise<{ requeued: number }> {
  const { store, queues, clock, settings } = deps;
  const now = clock.now();
  // `everything` takes every pending delivery at once: after a restart none of them may be left for later.
  const limit = options.everything ? Number.MAX_SAFE_INTEGER : (options.limit ?? 500);
  const due = await store.listSweepable(options.everything ? Number.MAX_SAFE_INTEGER : now, limit);
  if (due.length === 0) return { requeued: 0 };

  // Publish order within each endpoint: ids sort by creation time.
  due.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const endpoints = new Map<string, Endpoint | undefined>();
  const ready: DeliveryMessage[] = [];
  for (const delivery of due) {
    const key = `${delivery.tenantId}/${delivery.endpointId}`;
    if (!endpoints.has(key))
      endpoints.set(key, await store.getEndpoint(delivery.tenantId, delivery.endpointId));
    const message = nextAttemptMessage(delivery, endpoints.get(key)?.ordering ?? 'sequential');
    const dueAt = delivery.nextAttemptAt ?? now;
    const hop = planHop(dueAt, now);
    if (hop.kind === 'delay') await queues.delay({ ...message, dueAt }, hop.seconds);
    else ready.push(message);
  }
  await queues.enqueue(ready);

  // Back off for deliveries that were only stuck behind a backlog, so they are not copied every tick.
  // Never earlier than it was: a delivery waiting hours for its retry keeps its later sweep time.
  await inParallel(due, SWEEP_WRITES_IN_FLIGHT, (delivery) => {
    const created = Date.parse(delivery.createdAt);
    const next = Math.max(now + Math.max(settings.sweepGraceMs, now - created), delivery.sweepAt ?? 0);
    return store.rescheduleSweep(delivery.id, delivery.sweepAt ?? 0, next);
  });
  return { requeued: due.length };
}

/** Conditional writes the sweeper keeps in flight at once (each is independent of the others). */
const SWEEP_WRITES_IN_FLIGHT = 16;

async function inParallel<T>(
  items: readonly T[],
  width: number,
  run: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

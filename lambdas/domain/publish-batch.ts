import { AppError } from './errors';
import { inParallel } from './in-parallel';
import type { Endpoint } from './model';
import {
  accepted,
  endpointsForFanout,
  markUnsent,
  type PreparedEvent,
  type PublishDeps,
  type PublishResult,
  prepareEvent,
  republish,
  sendPrepared,
} from './publish';
import type { PublishEventInput } from './schemas';

/** Events one batch may hold. */
export const MAX_BATCH_EVENTS = 100;

export type BatchItemResult =
  | {
      readonly status: 200 | 202;
      readonly id: string;
      readonly deliveries: PublishResult['body']['deliveries'];
    }
  | { readonly status: number; readonly error: { readonly code: string; readonly message: string } };

/** Writes the batch's event records at once, this many in flight. */
const PUTS_IN_FLIGHT = 10;

/**
 * Publishes up to 100 events in one call, each as `publishEvent` would, with one result per event in
 * order: one bad event does not reject the others. Each tenant's endpoints are read once, and every new
 * event's messages go out together in batch order (10 to a SendMessageBatch call), which is where a batch
 * saves requests. `invalid` holds the events that failed validation before reaching here, by index.
 */
export async function publishBatch(
  deps: PublishDeps,
  inputs: readonly (PublishEventInput | undefined)[],
  invalid: ReadonlyMap<number, AppError>,
): Promise<BatchItemResult[]> {
  const tenants = new Map<string, Promise<readonly Endpoint[]>>();
  const endpointsOf = (tenantId: string) => {
    let list = tenants.get(tenantId);
    if (!list) {
      list = endpointsForFanout(deps, tenantId);
      tenants.set(tenantId, list);
    }
    return list;
  };
  const results: (BatchItemResult | undefined)[] = inputs.map((_, i) => {
    const error = invalid.get(i);
    return error ? failure(error) : undefined;
  });
  const prepared: (PreparedEvent | undefined)[] = [];
  await Promise.all(inputs.map((input) => (input ? endpointsOf(input.tenantId) : undefined)));
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if (!input || results[i]) continue;
    try {
      prepared[i] = prepareEvent(deps, input, await endpointsOf(input.tenantId));
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      results[i] = failure(error);
    }
  }
  // An id repeated within the batch is published once; the later copies answer as repeats.
  const seen = new Set<string>();
  const fresh: number[] = [];
  await inParallel(
    prepared.flatMap((p, i) => (p ? [i] : [])),
    PUTS_IN_FLIGHT,
    async (i) => {
      const { event } = prepared[i]!;
      const key = `${event.tenantId}\u0000${event.id}`;
      const first = !seen.has(key);
      seen.add(key);
      if (first && (await deps.store.putEvent(event)) === 'created') fresh.push(i);
    },
  );
  fresh.sort((a, b) => a - b);
  try {
    await sendPrepared(
      deps,
      fresh.map((i) => prepared[i]!),
    );
  } catch (error) {
    await markUnsent(
      deps,
      fresh.map((i) => prepared[i]!.event),
    );
    throw error;
  }
  for (const i of fresh) results[i] = { status: 202, ...accepted(prepared[i]!.event).body };
  for (let i = 0; i < inputs.length; i++) {
    if (results[i] || !prepared[i]) continue;
    const { event } = prepared[i]!;
    const again = await republish(deps, event.tenantId, event.id, await endpointsOf(event.tenantId));
    results[i] = { status: 200, ...again.body };
  }
  return results.map((r) => r!);
}

function failure(error: AppError): BatchItemResult {
  const fields = 'fields' in error ? { fields: (error as { fields: unknown }).fields } : {};
  return { status: error.status, error: { code: error.code, message: error.message, ...fields } };
}

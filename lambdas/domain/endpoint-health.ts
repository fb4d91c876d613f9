import type { Clock, EndpointStore } from './ports';

/** The reason a delivery answered 410 ends with, and the endpoint's `disabledReason` then. */
export const GONE_REASON = 'receiver answered 410 Gone: endpoint disabled';

/** Conditional updates lost to a concurrent change before giving up (each one re-reads the endpoint). */
const MAX_TRIES = 3;

/**
 * Disables an endpoint with `disabledAt` and `disabledReason`, through a conditional update (the record
 * must be unchanged since it was read), so a concurrent PATCH is never overwritten with stale fields.
 * Returns false when the endpoint is gone, already disabled, or kept changing under us.
 */
export async function disableEndpoint(
  deps: { store: Pick<EndpointStore, 'getEndpoint' | 'updateEndpoint'>; clock: Clock },
  tenantId: string,
  endpointId: string,
  reason: string,
): Promise<boolean> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const current = await deps.store.getEndpoint(tenantId, endpointId, { consistent: true });
    if (!current || current.status === 'disabled') return false;
    const now = deps.clock.now();
    const disabledAt = new Date(now).toISOString();
    const updatedAt = new Date(Math.max(now, Date.parse(current.updatedAt) + 1)).toISOString();
    const next = { ...current, status: 'disabled' as const, disabledAt, disabledReason: reason, updatedAt };
    if (await deps.store.updateEndpoint(next, current.updatedAt)) return true;
  }
  return false;
}

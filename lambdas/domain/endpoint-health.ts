import type { Endpoint } from './model';
import type { Clock, EndpointStore } from './ports';
import { formatDuration } from './retry-policy';
import type { ServiceSettings } from './settings';

/** The reason a delivery answered 410 ends with, and the endpoint's `disabledReason` then. */
export const GONE_REASON = 'receiver answered 410 Gone: endpoint disabled';

/** `ENDPOINT_DISABLE_AFTER`'s default: an endpoint failing for 5 days without a break is disabled. */
export const DEFAULT_DISABLE_AFTER_MS = 5 * 86_400_000;

/** Conditional updates lost to a concurrent change before giving up (each one re-reads the endpoint). */
const MAX_TRIES = 3;

type HealthStore = Pick<EndpointStore, 'getEndpoint' | 'updateEndpoint'>;

/**
 * Applies `change` to the endpoint as it is now (a consistent read) through a conditional update (the
 * record must be unchanged since it was read), so a concurrent PATCH is never overwritten with stale
 * fields. `change` returns undefined when there is nothing to do. Returns the endpoint as written, or
 * undefined when nothing was written (gone, nothing to do, or it kept changing under us).
 */
async function changeEndpoint(
  deps: { store: HealthStore; clock: Clock },
  tenantId: string,
  endpointId: string,
  change: (current: Endpoint, now: number) => Endpoint | undefined,
): Promise<Endpoint | undefined> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const current = await deps.store.getEndpoint(tenantId, endpointId, { consistent: true });
    if (!current) return undefined;
    const now = deps.clock.now();
    const changed = change(current, now);
    if (!changed) return undefined;
    const updatedAt = new Date(Math.max(now, Date.parse(current.updatedAt) + 1)).toISOString();
    const next = { ...changed, updatedAt };
    if (await deps.store.updateEndpoint(next, current.updatedAt)) return next;
  }
  return undefined;
}

/**
 * Disables an endpoint with `disabledAt` and `disabledReason`. Returns the endpoint as disabled, or
 * undefined when it is gone, already disabled, or kept changing under us.
 */
export function disableEndpoint(
  deps: { store: HealthStore; clock: Clock },
  tenantId: string,
  endpointId: string,
  reason: string,
): Promise<Endpoint | undefined> {
  return changeEndpoint(deps, tenantId, endpointId, (current, now) =>
    current.status === 'disabled'
      ? undefined
      : { ...current, status: 'disabled', disabledAt: new Date(now).toISOString(), disabledReason: reason },
  );
}

export function disableAfterMs(settings: Pick<ServiceSettings, 'endpointDisableAfterMs'>): number {
  return settings.endpointDisableAfterMs ?? DEFAULT_DISABLE_AFTER_MS;
}

export function failingReason(since: string, afterMs: number): string {
  return `every attempt failed since ${since} (ENDPOINT_DISABLE_AFTER ${formatDuration(afterMs)}): endpoint disabled`;
}

/**
 * Keeps an endpoint's failure streak after an attempt, writing only when it changes: a failure starts it
 * (`failingSince`), a success ends it, and a failure once it has lasted `ENDPOINT_DISABLE_AFTER` disables
 * the endpoint. `endpoint` is the (cached) record the attempt used: an endpoint with no streak that
 * succeeds costs nothing, nor does a failure in a streak that is not old enough yet. Returns the endpoint
 * when this call disabled it.
 */
export async function noteAttempt(
  deps: { store: HealthStore; clock: Clock; settings: Pick<ServiceSettings, 'endpointDisableAfterMs'> },
  endpoint: Endpoint,
  succeeded: boolean,
): Promise<Endpoint | undefined> {
  const afterMs = disableAfterMs(deps.settings);
  if (succeeded) {
    if (endpoint.failingSince === undefined) return undefined;
    await changeEndpoint(deps, endpoint.tenantId, endpoint.id, (current) => {
      if (current.failingSince === undefined) return undefined;
      const { failingSince: _ended, ...rest } = current;
      return rest;
    });
    return undefined;
  }
  const since = endpoint.failingSince;
  if (since === undefined) {
    // Starts the streak unless another attempt did (the cached record may be a few seconds old).
    await changeEndpoint(deps, endpoint.tenantId, endpoint.id, (current, now) =>
      current.failingSince === undefined && current.status === 'enabled'
        ? { ...current, failingSince: new Date(now).toISOString() }
        : undefined,
    );
    return undefined;
  }
  if (deps.clock.now() - Date.parse(since) < afterMs) return undefined;
  return changeEndpoint(deps, endpoint.tenantId, endpoint.id, (current, now) => {
    const from = current.failingSince;
    if (current.status !== 'enabled' || from === undefined || now - Date.parse(from) < afterMs)
      return undefined;
    return {
      ...current,
      status: 'disabled',
      disabledAt: new Date(now).toISOString(),
      disabledReason: failingReason(from, afterMs),
    };
  });
}

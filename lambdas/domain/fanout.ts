import { WILDCARD } from './catalog';
import { matchesFilter } from './filter';
import type { Endpoint } from './model';

/** Subscribed to the type (or to `*`) and, with a payload filter, matched by `data`. */
function wants(ep: Endpoint, type: string, data: unknown): boolean {
  return (
    (ep.events.includes(type) || ep.events.includes(WILDCARD)) &&
    (ep.filter === undefined || matchesFilter(ep.filter, data))
  );
}

/**
 * The endpoints that receive an event of `type`: enabled, subscribed to the type or to `*`, and, for an
 * endpoint with a payload filter, whose filter matches `data` (a filtered-out endpoint gets no delivery).
 */
export function selectEndpoints(endpoints: readonly Endpoint[], type: string, data?: unknown): Endpoint[] {
  return endpoints.filter((ep) => ep.status === 'enabled' && wants(ep, type, data));
}

/** The disabled endpoints that would receive it: their deliveries are held until they are enabled. */
export function selectHeld(endpoints: readonly Endpoint[], type: string, data?: unknown): Endpoint[] {
  return endpoints.filter((ep) => ep.status === 'disabled' && wants(ep, type, data));
}

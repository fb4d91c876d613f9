import { WILDCARD } from './catalog';
import { matchesFilter } from './filter';
import type { Endpoint } from './model';

/**
 * The endpoints that receive an event of `type`: enabled, subscribed to the type or to `*`, and, for an
 * endpoint with a payload filter, whose filter matches `data` (a filtered-out endpoint gets no delivery).
 */
export function selectEndpoints(endpoints: readonly Endpoint[], type: string, data?: unknown): Endpoint[] {
  return endpoints.filter(
    (ep) =>
      ep.status === 'enabled' &&
      (ep.events.includes(type) || ep.events.includes(WILDCARD)) &&
      (ep.filter === undefined || matchesFilter(ep.filter, data)),
  );
}

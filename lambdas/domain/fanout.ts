import { WILDCARD } from './catalog';
import type { Endpoint } from './model';

/** The endpoints that receive an event of `type`: enabled, and subscribed to the type or to `*`. */
export function selectEndpoints(endpoints: readonly Endpoint[], type: string): Endpoint[] {
  return endpoints.filter(
    (ep) => ep.status === 'enabled' && (ep.events.includes(type) || ep.events.includes(WILDCARD)),
  );
}

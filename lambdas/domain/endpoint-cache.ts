import type { Endpoint } from './model';
import type { Clock } from './ports';

export type EndpointLookup = (tenantId: string, endpointId: string) => Promise<Endpoint | undefined>;

/**
 * Remembers endpoint records (and their absence) for `ttlMs`, so a busy endpoint costs one read every few
 * seconds instead of one per attempt. A deleted or disabled endpoint or a rotated secret therefore takes
 * effect on the delivery path within `ttlMs` (plus DynamoDB's eventual consistency, under a second).
 * Concurrent misses for one endpoint share one read. `ttlMs` 0 turns the cache off.
 */
export function cachedEndpoints(
  read: EndpointLookup,
  clock: Clock,
  ttlMs: number,
  maxEntries = 5000,
): EndpointLookup {
  if (ttlMs <= 0) return read;
  const entries = new Map<string, { at: number; value: Promise<Endpoint | undefined> }>();
  return (tenantId, endpointId) => {
    const key = `${tenantId}\u0000${endpointId}`;
    const now = clock.now();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    if (entries.size >= maxEntries) entries.clear();
    const value = read(tenantId, endpointId);
    entries.set(key, { at: now, value });
    // A failed read is not remembered.
    value.catch(() => entries.delete(key));
    return value;
  };
}

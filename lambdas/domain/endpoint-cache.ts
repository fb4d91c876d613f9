import type { Endpoint } from './model';
import type { Clock } from './ports';

export type EndpointLookup = (tenantId: string, endpointId: string) => Promise<Endpoint | undefined>;
export type TenantEndpointsLookup = (tenantId: string) => Promise<readonly Endpoint[]>;

/**
 * Remembers what `read` answered, by `keyOf` its arguments, for `ttlMs` (0: not at all). Concurrent misses
 * share one read; a failed read is not remembered; past `maxEntries` keys the memory starts again (a
 * process serves few tenants at once).
 */
function ttlMemo<A extends unknown[], T>(
  read: (...args: A) => Promise<T>,
  keyOf: (...args: A) => string,
  clock: Clock,
  ttlMs: number,
  maxEntries: number,
): (...args: A) => Promise<T> {
  if (ttlMs <= 0) return read;
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (...args) => {
    const key = keyOf(...args);
    const now = clock.now();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    if (entries.size >= maxEntries) entries.clear();
    const value = read(...args);
    entries.set(key, { at: now, value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}

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
  return ttlMemo(read, (tenantId, endpointId) => `${tenantId}\u0000${endpointId}`, clock, ttlMs, maxEntries);
}

/**
 * The fan-out's view of a tenant's endpoints (`FANOUT_CACHE_TTL`): one strongly consistent read per
 * tenant every `ttlMs` instead of one per publish, the one read a publish made beyond the irreducible
 * put and send. The API waits `ttlMs` before answering a change that fan-out depends on
 * (`outwaitFanoutCache`), so what is published after the answer sees the change: the cache is invisible to
 * callers who publish after their change was confirmed. `ttlMs` 0 reads every time.
 */
export function cachedTenantEndpoints(
  read: TenantEndpointsLookup,
  clock: Clock,
  ttlMs: number,
  maxEntries = 5000,
): TenantEndpointsLookup {
  return ttlMemo(read, (tenantId) => tenantId, clock, ttlMs, maxEntries);
}

/**
 * Waits out the fan-out cache after an endpoint change that fan-out depends on (created, deleted, its
 * types, filter or status changed), before the API answers. A cached list that lacks the change was read
 * before the write, so it expires within `ttlMs` of it: any publish made after the answer fans out from
 * the changed list. The change's price is `ttlMs` more on a management call; publishing keeps the read.
 */
export async function outwaitFanoutCache(
  ttlMs: number,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  if (ttlMs > 0) await wait(ttlMs);
}

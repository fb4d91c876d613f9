/**
 * The records a FakeStore holds, laid out as the DynamoDB adapter lays out its items
 * (lambdas/adapters/dynamo/*.ts): a delivery keyed by tenant, endpoint and id, with its first attempt
 * inline (`a1`) and later attempts apart; the table's own attributes (`expiresAt`, `sweepAt`, the status
 * index key `st`, `round`) kept beside the record and stripped on the way out, as the adapter strips them.
 */
import { ValidationError } from '../../lambdas/domain/errors';
import type { Attempt, Delivery, DeliverySummary, Endpoint, StoredEvent } from '../../lambdas/domain/model';
import type { Clock } from '../../lambdas/domain/ports';
import { copy } from './fake-base';

const DAY_MS = 86_400_000;

export type EventRow = StoredEvent & { expiresAt: number; sweepAt?: number };

export type DeliveryRow = Omit<Delivery, 'attempts'> & {
  a1?: Attempt;
  last?: DeliverySummary['lastAttempt'];
  sweepAt?: number;
  /** The sparse status index: a tenant's pending and failed deliveries. */
  st?: 'pending' | 'failed';
  /** TTL, epoch seconds. */
  expiresAt: number;
};

export type AttemptRow = Attempt & { expiresAt: number };

/** Everything the fake store keeps, and the rules every part of it shares (time, expiry, keys). */
export class FakeData {
  readonly endpoints = new Map<string, Endpoint>();
  readonly endpointCounts = new Map<string, number>();
  readonly events = new Map<string, EventRow>();
  readonly deliveries = new Map<string, DeliveryRow>();
  /** Attempt 2 and later, by delivery key, then number. */
  readonly attempts = new Map<string, Map<number, AttemptRow>>();

  constructor(
    readonly clock: Clock,
    readonly retentionDays: number,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** TTL (epoch seconds) of a record kept the retention period from `fromMs`, as the adapter computes it. */
  expiresAt(fromMs: number): number {
    return Math.floor((fromMs + this.retentionDays * DAY_MS) / 1000);
  }

  /** Past its TTL: DynamoDB deletes lazily, so every read checks, against the injected clock. */
  expired(row: { expiresAt?: number } | undefined): boolean {
    return !!row && typeof row.expiresAt === 'number' && row.expiresAt <= this.now() / 1000;
  }
}

export const endpointKey = (tenantId: string, endpointId: string) => `${tenantId}/${endpointId}`;
export const eventKey = (tenantId: string, eventId: string) => `${tenantId}/${eventId}`;
export const deliveryKey = (tenantId: string, endpointId: string, deliveryId: string) =>
  `${tenantId}/${endpointId}/${deliveryId}`;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const ascending =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    byString(key(a), key(b));
export const descending =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    byString(key(b), key(a));

/** The event as `getEvent` returns it: without the table's attributes. */
export function eventOf(row: EventRow): StoredEvent {
  const { expiresAt: _e, sweepAt: _s, ...event } = copy(row);
  return event;
}

/** A listing item, as the adapter's `summaryOf`: no attempts, no round, the last attempt at a glance. */
export function summaryOf(row: DeliveryRow): DeliverySummary {
  const { a1: _a1, last, sweepAt: _s, st: _st, expiresAt: _e, round: _r, ...rest } = copy(row);
  return { ...rest, ...(last ? { lastAttempt: last } : {}) };
}

/** A sweepable delivery, as the adapter's `toSweepable`: stripped, with its round. */
export function sweepableOf(row: DeliveryRow): DeliverySummary {
  const { a1: _a1, last: _l, sweepAt: _s, st: _st, expiresAt: _e, round, ...rest } = copy(row);
  return { ...rest, round: round ?? 0 };
}

/**
 * One page of a listing sorted as the table sorts it: `limit` keys read from after the cursor, then
 * filtered (DynamoDB applies `Limit` before a filter, so a page may come back short with a cursor), and a
 * cursor whenever `limit` keys were read (DynamoDB returns one when it stops at the limit, even at the end).
 */
export function page<T>(
  sorted: readonly T[],
  keyOf: (t: T) => string,
  options: { scope: string; limit: number; cursor?: string; keep?: (t: T) => boolean; descending: boolean },
): { items: T[]; cursor?: string } {
  let start = 0;
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor, options.scope);
    start = sorted.findIndex((t) => (options.descending ? keyOf(t) < after : keyOf(t) > after));
    if (start < 0) start = sorted.length;
  }
  const read = sorted.slice(start, start + options.limit);
  const items = options.keep ? read.filter(options.keep) : read;
  const last = read[read.length - 1];
  return {
    items,
    ...(read.length === options.limit && last ? { cursor: encodeCursor(options.scope, keyOf(last)) } : {}),
  };
}

/** Cursor of a listing: the last key read, bound to the listing (`scope`) it came from. */
function encodeCursor(scope: string, afterKey: string): string {
  return Buffer.from(JSON.stringify({ scope, afterKey }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, scope: string): string {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      scope?: unknown;
      afterKey?: unknown;
    };
    if (key.scope === scope && typeof key.afterKey === 'string') return key.afterKey;
  } catch {
    // Falls through to the same error as a well-formed cursor of another listing.
  }
  throw ValidationError.of('cursor', 'is not a cursor returned by this listing');
}

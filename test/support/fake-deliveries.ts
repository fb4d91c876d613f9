/**
 * The delivery half of FakeStore, with the DynamoDB adapter's conditions
 * (lambdas/adapters/dynamo/deliveries.ts and sweepable.ts):
 * - a delivery has no record until `recordAttempt` or `failDelivery` upserts it (or `createDelivery`, a
 *   replay, writes it pending); `recordAttempt` only when the delivery is unrecorded, or pending with fewer
 *   than `attempt.number` attempts; attempts after the first are written apart, in the same step;
 * - `failDelivery` only when unrecorded or pending; `recoverDelivery` only when failed (round + 1,
 *   `attemptOffset = attemptCount`); `rescheduleSweep` only when pending with `sweepAt === expected`;
 * - a final delivery loses `nextAttemptAt` and `sweepAt`; `status` listings across endpoints hold pending
 *   and failed deliveries only; reads ignore records past their TTL (by the injected clock).
 * A delivery id names its endpoint (`dlv_<ULID>_<endpoint>`): a lookup by an id that does not is a miss.
 */
import { ValidationError } from '../../lambdas/domain/errors';
import { deliveryIdFloor, endpointOfDelivery } from '../../lambdas/domain/ids';
import type { Delivery, DeliveryRef, DeliverySummary } from '../../lambdas/domain/model';
import type {
  AttemptRecord,
  DeliveryQuery,
  DeliveryState,
  DeliveryStore,
  Page,
  Sweepable,
} from '../../lambdas/domain/ports';
import { copy } from './fake-base';
import {
  ascending,
  type DeliveryRow,
  deliveryKey,
  descending,
  eventOf,
  type FakeData,
  page,
  summaryOf,
  sweepableOf,
} from './fake-data';

export class FakeDeliveries implements DeliveryStore {
  constructor(private readonly data: FakeData) {}

  private keyOf(tenantId: string, deliveryId: string): string | undefined {
    const endpointId = endpointOfDelivery(deliveryId);
    return endpointId ? deliveryKey(tenantId, endpointId, deliveryId) : undefined;
  }

  private row(tenantId: string, deliveryId: string): DeliveryRow | undefined {
    const key = this.keyOf(tenantId, deliveryId);
    return key ? this.data.deliveries.get(key) : undefined;
  }

  private live(tenantId: string, deliveryId: string): DeliveryRow | undefined {
    const row = this.row(tenantId, deliveryId);
    return row && !this.data.expired(row) ? row : undefined;
  }

  private identity(ref: DeliveryRef) {
    return {
      id: ref.id,
      tenantId: ref.tenantId,
      eventId: ref.eventId,
      eventType: ref.eventType,
      endpointId: ref.endpointId,
      createdAt: ref.createdAt,
      ...(ref.replayOf ? { replayOf: ref.replayOf } : {}),
    };
  }

  async createDelivery(delivery: Delivery, sweepAt: number): Promise<void> {
    const key = deliveryKey(delivery.tenantId, delivery.endpointId, delivery.id);
    if (this.data.deliveries.has(key)) throw new Error(`FakeStore: delivery ${delivery.id} already exists`);
    const { attempts: _attempts, ...rest } = copy(delivery);
    this.data.deliveries.set(key, {
      ...rest,
      attemptOffset: 0,
      round: 0,
      st: 'pending',
      sweepAt,
      expiresAt: this.data.expiresAt(this.data.now()),
    });
  }

  async holdDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    for (const delivery of deliveries) {
      const key = deliveryKey(delivery.tenantId, delivery.endpointId, delivery.id);
      if (this.data.deliveries.has(key)) continue;
      const { attempts: _attempts, nextAttemptAt: _next, ...rest } = copy(delivery);
      this.data.deliveries.set(key, {
        ...rest,
        status: 'held',
        attemptOffset: 0,
        round: 0,
        expiresAt: this.data.expiresAt(this.data.now()),
      });
    }
  }

  async recordAttempt(ref: DeliveryRef, record: AttemptRecord): Promise<boolean> {
    const { attempt, status } = record;
    const now = this.data.now();
    const key = deliveryKey(ref.tenantId, ref.endpointId, ref.id);
    const current = this.data.deliveries.get(key);
    const attempts = this.data.attempts.get(key) ?? new Map();
    // Attempts after the first are their own rows, written with the delivery's update in one transaction:
    // both or neither, so a refused record leaves no stray attempt (as the adapter does).
    if (current && !(current.status === 'pending' && current.attemptCount < attempt.number)) return false;
    if (attempt.number > 1 && attempts.has(attempt.number)) return false;
    if (attempt.number > 1) {
      attempts.set(attempt.number, { ...copy(attempt), expiresAt: this.data.expiresAt(now) });
      this.data.attempts.set(key, attempts);
    }
    const {
      failureReason: _f,
      nextAttemptAt: _n,
      sweepAt: _s,
      st: _st,
      ...kept
    } = current ?? ({} as Partial<DeliveryRow>);
    const next: DeliveryRow = {
      ...kept,
      ...this.identity(ref),
      status,
      attemptCount: attempt.number,
      attemptOffset: record.attemptOffset,
      updatedAt: new Date(now).toISOString(),
      last: {
        startedAt: attempt.startedAt,
        ...(attempt.responseStatus !== undefined ? { responseStatus: attempt.responseStatus } : {}),
        ...(attempt.errorClass ? { errorClass: attempt.errorClass } : {}),
      },
      expiresAt: this.data.expiresAt(now),
      round: current?.round ?? 0,
      ...(attempt.number === 1 ? { a1: copy(attempt) } : {}),
      ...(status === 'pending'
        ? {
            ...(record.nextAttemptAt !== undefined ? { nextAttemptAt: record.nextAttemptAt } : {}),
            ...(record.sweepAt !== undefined ? { sweepAt: record.sweepAt } : {}),
            st: 'pending' as const,
          }
        : status === 'failed'
          ? {
              ...(record.failureReason !== undefined ? { failureReason: record.failureReason } : {}),
              st: 'failed' as const,
            }
          : {}),
    };
    this.data.deliveries.set(key, next);
    return true;
  }

  async failDelivery(ref: DeliveryRef, reason: string, attemptOffset: number): Promise<boolean> {
    const now = this.data.now();
    const key = deliveryKey(ref.tenantId, ref.endpointId, ref.id);
    const current = this.data.deliveries.get(key);
    if (current && current.status !== 'pending') return false;
    const { nextAttemptAt: _n, sweepAt: _s, ...kept } = current ?? ({} as Partial<DeliveryRow>);
    this.data.deliveries.set(key, {
      ...kept,
      ...this.identity(ref),
      status: 'failed',
      failureReason: reason,
      updatedAt: new Date(now).toISOString(),
      st: 'failed',
      expiresAt: this.data.expiresAt(now),
      attemptCount: current?.attemptCount ?? 0,
      attemptOffset: current?.attemptOffset ?? attemptOffset,
      round: current?.round ?? 0,
    });
    return true;
  }

  async recoverDelivery(tenantId: string, deliveryId: string, at: number, sweepAt: number) {
    const key = this.keyOf(tenantId, deliveryId);
    const current = key ? this.data.deliveries.get(key) : undefined;
    if (!key || (current?.status !== 'failed' && current?.status !== 'held')) return undefined;
    const { failureReason: _f, ...rest } = current;
    const next: DeliveryRow = {
      ...rest,
      status: 'pending',
      attemptOffset: current.attemptCount,
      nextAttemptAt: at,
      sweepAt,
      st: 'pending',
      updatedAt: new Date(at).toISOString(),
      expiresAt: this.data.expiresAt(at),
      round: (current.round ?? 0) + 1,
    };
    this.data.deliveries.set(key, next);
    return { ...summaryOf(next), round: next.round ?? 0 };
  }

  async getDelivery(tenantId: string, deliveryId: string): Promise<Delivery | undefined> {
    const row = this.live(tenantId, deliveryId);
    if (!row) return undefined;
    const { lastAttempt: _last, ...summary } = summaryOf(row);
    const later = [...(this.data.attempts.get(this.keyOf(tenantId, deliveryId)!)?.values() ?? [])]
      .sort((a, b) => a.number - b.number)
      .map(({ expiresAt: _e, ...attempt }) => copy(attempt));
    return { ...summary, attempts: [...(row.a1 ? [copy(row.a1)] : []), ...later] };
  }

  async getDeliveries(tenantId: string, deliveryIds: readonly string[]): Promise<DeliverySummary[]> {
    return deliveryIds.flatMap((id) => {
      const row = this.live(tenantId, id);
      return row ? [summaryOf(row)] : [];
    });
  }

  async getDeliveryState(tenantId: string, deliveryId: string): Promise<DeliveryState | undefined> {
    const row = this.live(tenantId, deliveryId);
    if (!row) return undefined;
    return {
      status: row.status,
      attemptCount: row.attemptCount,
      ...(row.nextAttemptAt !== undefined ? { nextAttemptAt: row.nextAttemptAt } : {}),
      ...(row.attemptOffset !== undefined ? { attemptOffset: row.attemptOffset } : {}),
      updatedAt: row.updatedAt,
    };
  }

  async listDeliveries(query: DeliveryQuery): Promise<Page<DeliverySummary>> {
    const from = query.since !== undefined ? deliveryIdFloor(query.since) : 'dlv_';
    const rows = [...this.data.deliveries.values()].filter((r) => r.tenantId === query.tenantId);
    if (query.endpointId !== undefined) {
      const sorted = rows
        .filter((r) => r.endpointId === query.endpointId && r.id >= from)
        .sort(descending((r) => r.id));
      const out = page(sorted, (r) => r.id, {
        scope: `endpoint:${query.tenantId}:${query.endpointId}`,
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        keep: (r) => !this.data.expired(r) && (query.status === undefined || r.status === query.status),
        descending: true,
      });
      return { items: out.items.map(summaryOf), ...(out.cursor ? { cursor: out.cursor } : {}) };
    }
    if (query.status !== 'pending' && query.status !== 'failed') {
      throw ValidationError.of(
        'status',
        'without endpointId or eventId, list deliveries by status pending or failed',
      );
    }
    const status = query.status;
    const sorted = rows.filter((r) => r.st === status && r.id >= from).sort(descending((r) => r.id));
    const out = page(sorted, (r) => r.id, {
      scope: `status:${query.tenantId}:${status}`,
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      keep: (r) => !this.data.expired(r) && r.status === status,
      descending: true,
    });
    return { items: out.items.map(summaryOf), ...(out.cursor ? { cursor: out.cursor } : {}) };
  }

  async listSweepable(now: number, limit: number, everything = false): Promise<Sweepable[]> {
    const data = this.data;
    const events = [...data.events.values()].filter((e) => !data.expired(e));
    const deliveries = [...data.deliveries.values()].filter(
      (d) => !data.expired(d) && d.status === 'pending',
    );
    if (everything) {
      return [
        ...events.map((e) => ({ kind: 'event' as const, event: eventOf(e), sweepAt: e.sweepAt ?? 0 })),
        ...deliveries.map((d) => ({
          kind: 'delivery' as const,
          delivery: sweepableOf(d),
          sweepAt: d.sweepAt ?? 0,
        })),
      ];
    }
    const due: Sweepable[] = [
      ...events
        .filter((e) => e.unsent === true && e.sweepAt !== undefined && e.sweepAt <= now)
        .map((e) => ({ kind: 'event' as const, event: eventOf(e), sweepAt: e.sweepAt! })),
      ...deliveries
        .filter((d) => d.sweepAt !== undefined && d.sweepAt <= now)
        .map((d) => ({ kind: 'delivery' as const, delivery: sweepableOf(d), sweepAt: d.sweepAt! })),
    ];
    return due
      .sort((a, b) => a.sweepAt - b.sweepAt || ascending((s: Sweepable) => idOf(s))(a, b))
      .slice(0, limit);
  }

  async rescheduleSweep(tenantId: string, deliveryId: string, expected: number, next: number) {
    const row = this.row(tenantId, deliveryId);
    if (row?.status !== 'pending' || row.sweepAt !== expected) return false;
    row.sweepAt = next;
    return true;
  }
}

function idOf(s: Sweepable): string {
  return s.kind === 'event' ? s.event.id : s.delivery.id;
}

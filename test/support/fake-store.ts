/**
 * WebhookStore in memory, with the conditions of the DynamoDB adapter (lambdas/adapters/dynamo/*.ts), so
 * a domain bug that only shows against the real table shows here too; `test/contract/store.contract.ts`
 * runs one suite against both. Endpoints and events here, deliveries in `fake-deliveries.ts`:
 * - `createEndpoint` refuses past the tenant's cap, also under concurrent calls (each call yields before
 *   its check-and-write, as a network call would, and the check and the write are one step);
 * - `updateEndpoint` only while `updatedAt` is the expected one; `putEvent` only for a new id;
 * - `markUnsent` and `retainEvent` only on an existing event; `retainEvent` never shortens its life;
 * - `getEndpoint({ consistent: false })` reads the same as a consistent read (the fake has no replicas).
 * It holds copies of what it is given and hands out copies. Every method can be told to fail
 * (`fail(method, error, times)`); every call is recorded in `calls`.
 */
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { Delivery, Endpoint, StoredEvent } from '../../lambdas/domain/model';
import type { Clock, Page, WebhookStore } from '../../lambdas/domain/ports';
import { copy, Failures, roundTrip } from './fake-base';
import {
  ascending,
  type DeliveryRow,
  deliveryKey,
  descending,
  type EventRow,
  endpointKey,
  eventKey,
  eventOf,
  FakeData,
  page,
} from './fake-data';
import { FakeDeliveries } from './fake-deliveries';

export type StoreMethod = keyof WebhookStore;

/** One call the store received: the method and its arguments (copied). */
export interface StoreCall {
  readonly method: StoreMethod;
  readonly args: unknown[];
}

export class FakeStore implements WebhookStore {
  private readonly data: FakeData;
  private readonly deliveries: FakeDeliveries;
  private readonly failures = new Failures();
  /** Every call, in order (failed ones too). */
  readonly calls: StoreCall[] = [];

  /** `clock` stamps records and decides expiry; the wall clock when omitted. */
  constructor(clock: Clock = { now: () => Date.now() }, options: { retentionDays?: number } = {}) {
    this.data = new FakeData(clock, options.retentionDays ?? 30);
    this.deliveries = new FakeDeliveries(this.data);
  }

  /**
   * Makes `method` throw `error` (by default a DependencyUnavailableError for DynamoDB) on its next `times`
   * calls, or on every call until `recover()`. A failing call changes nothing.
   */
  fail(
    method: StoreMethod,
    error: unknown = new DependencyUnavailableError('dynamodb'),
    times = Number.POSITIVE_INFINITY,
  ): void {
    this.failures.set(method, error, times);
  }

  recover(): void {
    this.failures.clear();
  }

  /** The methods called, in order. */
  methodsCalled(): StoreMethod[] {
    return this.calls.map((c) => c.method);
  }

  private async enter(method: StoreMethod, args: unknown[]): Promise<void> {
    this.calls.push({ method, args: copy(args) });
    await roundTrip();
    this.failures.check(method);
  }

  // -- test helpers (synchronous, no failure injection, not recorded) --

  /**
   * Stores records directly, bypassing the conditions. A delivery is stored as if its attempts had been
   * recorded (the first inline, later ones apart), in the status index when pending or failed, with
   * `sweepAt` as given (pending only).
   */
  seed(records: {
    endpoints?: Endpoint[];
    events?: (StoredEvent & { sweepAt?: number })[];
    deliveries?: (Delivery & { sweepAt?: number })[];
  }): void {
    const { data } = this;
    for (const ep of records.endpoints ?? []) {
      const key = endpointKey(ep.tenantId, ep.id);
      if (!data.endpoints.has(key))
        data.endpointCounts.set(ep.tenantId, (data.endpointCounts.get(ep.tenantId) ?? 0) + 1);
      data.endpoints.set(key, copy(ep));
    }
    for (const ev of records.events ?? []) {
      data.events.set(eventKey(ev.tenantId, ev.id), {
        ...copy(ev),
        expiresAt: data.expiresAt(Date.parse(ev.createdAt)),
      });
    }
    for (const d of records.deliveries ?? []) {
      const { attempts, sweepAt, ...rest } = copy(d);
      const key = deliveryKey(d.tenantId, d.endpointId, d.id);
      const last = attempts.at(-1);
      const row: DeliveryRow = {
        ...rest,
        attemptOffset: rest.attemptOffset ?? 0,
        round: rest.round ?? 0,
        expiresAt: data.expiresAt(Date.parse(d.updatedAt)),
        ...(attempts[0] ? { a1: attempts[0] } : {}),
        ...(last
          ? {
              last: {
                startedAt: last.startedAt,
                ...(last.responseStatus !== undefined ? { responseStatus: last.responseStatus } : {}),
                ...(last.errorClass ? { errorClass: last.errorClass } : {}),
              },
            }
          : {}),
        ...(d.status === 'pending' && sweepAt !== undefined ? { sweepAt } : {}),
        ...(d.status === 'pending' || d.status === 'failed' ? { st: d.status } : {}),
      };
      data.deliveries.set(key, row);
      const later = new Map(
        attempts.slice(1).map((a) => [a.number, { ...a, expiresAt: row.expiresAt }] as const),
      );
      if (later.size > 0) data.attempts.set(key, later);
    }
  }

  /** True if a delivery with this id has a record (of any tenant). */
  hasDelivery(deliveryId: string): boolean {
    return [...this.data.deliveries.values()].some((r) => r.id === deliveryId);
  }

  /**
   * The stored delivery with every attempt, its `sweepAt` and `round`; throws when there is none, so tests
   * fail with a clear message.
   */
  delivery(deliveryId: string): Delivery & { sweepAt?: number; round: number } {
    const row = [...this.data.deliveries.values()].find((r) => r.id === deliveryId);
    if (!row) throw new Error(`FakeStore: no delivery ${deliveryId}`);
    const key = deliveryKey(row.tenantId, row.endpointId, row.id);
    const later = [...(this.data.attempts.get(key)?.values() ?? [])]
      .sort((a, b) => a.number - b.number)
      .map(({ expiresAt: _e, ...a }) => a);
    const { a1, last: _l, st: _st, expiresAt: _e, ...rest } = copy(row);
    return { ...rest, round: row.round ?? 0, attempts: [...(a1 ? [a1] : []), ...copy(later)] };
  }

  allDeliveries(): (Delivery & { sweepAt?: number; round: number })[] {
    return [...this.data.deliveries.values()].sort(ascending((r) => r.id)).map((r) => this.delivery(r.id));
  }

  /** Every stored event, with its `sweepAt` when marked unsent. */
  allEvents(): (StoredEvent & { sweepAt?: number })[] {
    return [...this.data.events.values()].map(({ expiresAt: _e, ...rest }) => copy(rest));
  }

  /** An event's TTL (epoch seconds), or undefined when there is no such event. */
  eventExpiresAt(tenantId: string, eventId: string): number | undefined {
    return this.data.events.get(eventKey(tenantId, eventId))?.expiresAt;
  }

  /** The endpoint count the cap is checked against. */
  endpointCount(tenantId: string): number {
    return this.data.endpointCounts.get(tenantId) ?? 0;
  }

  // -- EndpointStore --

  async createEndpoint(endpoint: Endpoint, maxPerTenant: number): Promise<'created' | 'limit_reached'> {
    await this.enter('createEndpoint', [endpoint, maxPerTenant]);
    const { data } = this;
    const count = data.endpointCounts.get(endpoint.tenantId) ?? 0;
    if (count >= maxPerTenant) return 'limit_reached';
    const key = endpointKey(endpoint.tenantId, endpoint.id);
    if (data.endpoints.has(key)) throw new Error(`FakeStore: endpoint ${endpoint.id} already exists`);
    data.endpointCounts.set(endpoint.tenantId, count + 1);
    data.endpoints.set(key, copy(endpoint));
    return 'created';
  }

  async getEndpoint(tenantId: string, endpointId: string, options?: { consistent?: boolean }) {
    await this.enter('getEndpoint', [tenantId, endpointId, ...(options ? [options] : [])]);
    const found = this.data.endpoints.get(endpointKey(tenantId, endpointId));
    return found ? copy(found) : undefined;
  }

  async listTenantEndpoints(tenantId: string): Promise<Endpoint[]> {
    await this.enter('listTenantEndpoints', [tenantId]);
    return this.tenantEndpoints(tenantId).sort(ascending((e) => e.id));
  }

  /** Newest first (ids sort by creation time), `limit` per page, with an opaque cursor. */
  async listEndpoints(
    tenantId: string,
    options: { limit: number; cursor?: string },
  ): Promise<Page<Endpoint>> {
    await this.enter('listEndpoints', [tenantId, options]);
    return page(this.tenantEndpoints(tenantId).sort(descending((e) => e.id)), (e) => e.id, {
      scope: `endpoints:${tenantId}`,
      limit: options.limit,
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
      descending: true,
    });
  }

  async updateEndpoint(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean> {
    await this.enter('updateEndpoint', [endpoint, expectedUpdatedAt]);
    const key = endpointKey(endpoint.tenantId, endpoint.id);
    if (this.data.endpoints.get(key)?.updatedAt !== expectedUpdatedAt) return false;
    this.data.endpoints.set(key, copy(endpoint));
    return true;
  }

  async deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    await this.enter('deleteEndpoint', [tenantId, endpointId]);
    if (!this.data.endpoints.delete(endpointKey(tenantId, endpointId))) return false;
    const count = this.data.endpointCounts.get(tenantId) ?? 0;
    if (count > 0) this.data.endpointCounts.set(tenantId, count - 1);
    return true;
  }

  private tenantEndpoints(tenantId: string): Endpoint[] {
    return [...this.data.endpoints.values()].filter((ep) => ep.tenantId === tenantId).map(copy);
  }

  // -- EventStore --

  async putEvent(event: StoredEvent): Promise<'created' | 'exists'> {
    await this.enter('putEvent', [event]);
    const key = eventKey(event.tenantId, event.id);
    if (this.data.events.has(key)) return 'exists';
    this.data.events.set(key, {
      ...copy(event),
      expiresAt: this.data.expiresAt(Date.parse(event.createdAt)),
    });
    return 'created';
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    await this.enter('getEvent', [tenantId, eventId]);
    const row = this.data.events.get(eventKey(tenantId, eventId));
    return row && !this.data.expired(row) ? eventOf(row) : undefined;
  }

  private eventRow(tenantId: string, eventId: string): EventRow | undefined {
    return this.data.events.get(eventKey(tenantId, eventId));
  }

  async markUnsent(tenantId: string, eventId: string, sweepAt: number): Promise<void> {
    await this.enter('markUnsent', [tenantId, eventId, sweepAt]);
    const row = this.eventRow(tenantId, eventId);
    if (row) Object.assign(row, { unsent: true, sweepAt });
  }

  async clearUnsent(tenantId: string, eventId: string): Promise<void> {
    await this.enter('clearUnsent', [tenantId, eventId]);
    const row = this.eventRow(tenantId, eventId);
    if (row) {
      delete (row as { unsent?: boolean }).unsent;
      delete row.sweepAt;
    }
  }

  async retainEvent(
    tenantId: string,
    eventId: string,
    until: number,
    replay?: { readonly id: string; readonly endpointId: string },
  ): Promise<void> {
    await this.enter('retainEvent', [tenantId, eventId, until, ...(replay ? [replay] : [])]);
    const row = this.eventRow(tenantId, eventId);
    if (!row) return;
    if (replay) Object.assign(row, { replays: [...(row.replays ?? []), copy(replay)] });
    row.expiresAt = Math.max(row.expiresAt, Math.floor(until / 1000));
  }

  // -- DeliveryStore (fake-deliveries.ts) --

  async createDelivery(...args: Parameters<WebhookStore['createDelivery']>) {
    await this.enter('createDelivery', args);
    return this.deliveries.createDelivery(...args);
  }
  async holdDeliveries(...args: Parameters<WebhookStore['holdDeliveries']>) {
    await this.enter('holdDeliveries', args);
    return this.deliveries.holdDeliveries(...args);
  }

  async getDelivery(...args: Parameters<WebhookStore['getDelivery']>) {
    await this.enter('getDelivery', args);
    return this.deliveries.getDelivery(...args);
  }
  async getDeliveries(...args: Parameters<WebhookStore['getDeliveries']>) {
    await this.enter('getDeliveries', args);
    return this.deliveries.getDeliveries(...args);
  }
  async getDeliveryState(...args: Parameters<WebhookStore['getDeliveryState']>) {
    await this.enter('getDeliveryState', args);
    return this.deliveries.getDeliveryState(...args);
  }
  async listDeliveries(...args: Parameters<WebhookStore['listDeliveries']>) {
    await this.enter('listDeliveries', args);
    return this.deliveries.listDeliveries(...args);
  }
  async recordAttempt(...args: Parameters<WebhookStore['recordAttempt']>) {
    await this.enter('recordAttempt', args);
    return this.deliveries.recordAttempt(...args);
  }
  async failDelivery(...args: Parameters<WebhookStore['failDelivery']>) {
    await this.enter('failDelivery', args);
    return this.deliveries.failDelivery(...args);
  }
  async recoverDelivery(...args: Parameters<WebhookStore['recoverDelivery']>) {
    await this.enter('recoverDelivery', args);
    return this.deliveries.recoverDelivery(...args);
  }
  async listSweepable(...args: Parameters<WebhookStore['listSweepable']>) {
    await this.enter('listSweepable', args);
    return this.deliveries.listSweepable(...args);
  }
  async rescheduleSweep(...args: Parameters<WebhookStore['rescheduleSweep']>) {
    await this.enter('rescheduleSweep', args);
    return this.deliveries.rescheduleSweep(...args);
  }
}

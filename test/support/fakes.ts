/**
 * In-memory stand-ins for the ports in `lambdas/domain/ports.ts`, plus builders for settings and records.
 *
 * The fakes honour the same conditional semantics as the DynamoDB and SQS adapters (conditional writes,
 * SQS timer and visibility limits), so a domain bug that only shows against the real services shows here
 * too. They hold copies of what they are given and hand out copies, so a test cannot change stored state
 * by mutating an object it holds, and neither can the code under test.
 *
 * Every fake can be told to fail (`fail(method, error, times)`) and records what it was asked to do.
 */
import type { SQSRecord } from 'aws-lambda';
import { DEFAULT_CATALOG, EventCatalog } from '../../lambdas/domain/catalog';
import { serializeEnvelope } from '../../lambdas/domain/envelope';
import { DependencyUnavailableError, ValidationError } from '../../lambdas/domain/errors';
import { nextAttemptMessage } from '../../lambdas/domain/messages';
import type { Delivery, DeliveryMessage, Endpoint, StoredEvent } from '../../lambdas/domain/model';
import type {
  AttemptRecord,
  Clock,
  DeliveryQuery,
  DeliveryQueues,
  HttpOutcome,
  HttpSender,
  Page,
  WebhookStore,
} from '../../lambdas/domain/ports';
import { MAX_TIMER_SECONDS, MAX_VISIBILITY_SECONDS } from '../../lambdas/domain/retry-policy';
import type { ServiceSettings } from '../../lambdas/domain/settings';
import type { Log } from '../../lambdas/observability';
import type { Service } from '../../lambdas/service';

/** 2025-01-01T00:00:00.000Z: the default start of every FakeClock and the time of every fixture. */
export const T0 = Date.UTC(2025, 0, 1);

// ---------------------------------------------------------------------------------------------------
// Failure injection

interface Failure {
  readonly error: unknown;
  remaining: number;
}

/** Per-method failure switches shared by the fakes. */
class Failures {
  private readonly byMethod = new Map<string, Failure>();

  set(method: string, error: unknown, times: number): void {
    this.byMethod.set(method, { error, remaining: times });
  }

  clear(): void {
    this.byMethod.clear();
  }

  /** Throws the configured error if `method` is set to fail (and counts the failure down). */
  check(method: string): void {
    const failure = this.byMethod.get(method);
    if (!failure || failure.remaining <= 0) return;
    failure.remaining--;
    throw failure.error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Clock

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private current: number = T0) {}

  now(): number {
    return this.current;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

// ---------------------------------------------------------------------------------------------------
// Store

type StoreMethod = keyof WebhookStore;

/**
 * WebhookStore in memory, with the conditions of `DynamoStore`:
 * - `createEvent` writes the event and all deliveries (each with `sweepAt`), or nothing and `exists`;
 * - `recordAttempt` only when the delivery is pending with `attempt.number - 1` attempts;
 * - `failDelivery` only when pending; `rescheduleSweep` only when pending and `sweepAt === expected`;
 * - final deliveries lose `nextAttemptAt` and `sweepAt`; `listSweepable` returns pending ones with
 *   `sweepAt <= now`, oldest `sweepAt` first;
 * - `updateEndpoint` only when `updatedAt` is still the expected one; `createDelivery` only for a new id;
 *   `recoverDelivery` only when failed (it keeps the attempts and sets `attemptOffset = attemptCount`).
 * Unlike DynamoDB there is no TTL: records never expire.
 */
export class FakeStore implements WebhookStore {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly events = new Map<string, StoredEvent>();
  private readonly deliveries = new Map<string, Delivery>();
  private readonly failures = new Failures();

  /** `clock` stamps `updatedAt`; the wall clock when omitted. */
  constructor(private readonly clock: Clock = { now: () => Date.now() }) {}

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

  // -- test helpers (synchronous, no failure injection) --

  /** Stores records directly, bypassing the conditions; `sweepAt` of a delivery is kept as given. */
  seed(records: { endpoints?: Endpoint[]; events?: StoredEvent[]; deliveries?: Delivery[] }): void {
    for (const ep of records.endpoints ?? []) this.endpoints.set(endpointKey(ep.tenantId, ep.id), copy(ep));
    for (const ev of records.events ?? []) this.events.set(eventKey(ev.tenantId, ev.id), copy(ev));
    for (const d of records.deliveries ?? []) this.deliveries.set(d.id, copy(d));
  }

  /** The stored delivery; throws when there is none, so tests fail with a clear message. */
  delivery(deliveryId: string): Delivery {
    const found = this.deliveries.get(deliveryId);
    if (!found) throw new Error(`FakeStore: no delivery ${deliveryId}`);
    return copy(found);
  }

  allDeliveries(): Delivery[] {
    return [...this.deliveries.values()].map(copy);
  }

  allEvents(): StoredEvent[] {
    return [...this.events.values()].map(copy);
  }

  // -- WebhookStore --

  async putEndpoint(endpoint: Endpoint): Promise<void> {
    this.failures.check('putEndpoint');
    this.endpoints.set(endpointKey(endpoint.tenantId, endpoint.id), copy(endpoint));
  }

  async getEndpoint(tenantId: string, endpointId: string): Promise<Endpoint | undefined> {
    this.failures.check('getEndpoint');
    return copyOrUndefined(this.endpoints.get(endpointKey(tenantId, endpointId)));
  }

  async listTenantEndpoints(tenantId: string): Promise<Endpoint[]> {
    this.failures.check('listTenantEndpoints');
    return this.tenantEndpoints(tenantId).map(copy);
  }

  /** Newest first (ids sort by creation time), `limit` per page, with an opaque cursor. */
  async listEndpoints(
    tenantId: string,
    options: { limit: number; cursor?: string },
  ): Promise<Page<Endpoint>> {
    this.failures.check('listEndpoints');
    const all = this.tenantEndpoints(tenantId).reverse();
    let start = 0;
    if (options.cursor !== undefined) {
      const after = decodeCursor(options.cursor, `endpoints:${tenantId}`);
      start = all.findIndex((ep) => ep.id < after);
      if (start < 0) start = all.length;
    }
    const items = all.slice(start, start + options.limit);
    const last = items[items.length - 1];
    const more = start + options.limit < all.length;
    return {
      items: items.map(copy),
      ...(more && last ? { cursor: encodeCursor(`endpoints:${tenantId}`, last.id) } : {}),
    };
  }

  async updateEndpoint(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean> {
    this.failures.check('updateEndpoint');
    const key = endpointKey(endpoint.tenantId, endpoint.id);
    if (this.endpoints.get(key)?.updatedAt !== expectedUpdatedAt) return false;
    this.endpoints.set(key, copy(endpoint));
    return true;
  }

  async deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean> {
    this.failures.check('deleteEndpoint');
    return this.endpoints.delete(endpointKey(tenantId, endpointId));
  }

  async createEvent(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    sweepAt: number,
  ): Promise<'created' | 'exists'> {
    this.failures.check('createEvent');
    const key = eventKey(event.tenantId, event.id);
    if (this.events.has(key)) return 'exists';
    for (const d of deliveries) {
      if (this.deliveries.has(d.id)) throw new Error(`FakeStore: delivery ${d.id} already exists`);
    }
    this.events.set(key, copy(event));
    for (const d of deliveries) this.deliveries.set(d.id, { ...copy(d), sweepAt });
    return 'created';
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    this.failures.check('getEvent');
    return copyOrUndefined(this.events.get(eventKey(tenantId, eventId)));
  }

  async createDelivery(delivery: Delivery, sweepAt: number): Promise<void> {
    this.failures.check('createDelivery');
    if (this.deliveries.has(delivery.id))
      throw new Error(`FakeStore: delivery ${delivery.id} already exists`);
    this.deliveries.set(delivery.id, { ...copy(delivery), sweepAt });
  }

  /**
   * A tenant's deliveries to one endpoint (`endpointId`) or of one event (`eventId`), newest first, filtered
   * by `status` and `fromId`, `limit` per page.
   */
  async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
    this.failures.check('listDeliveries');
    const scope = `deliveries:${query.tenantId}:${query.endpointId !== undefined ? `ep:${query.endpointId}` : `ev:${query.eventId}`}`;
    const all = [...this.deliveries.values()]
      .filter(
        (d) =>
          d.tenantId === query.tenantId &&
          (query.endpointId !== undefined
            ? d.endpointId === query.endpointId
            : d.eventId === query.eventId) &&
          (query.status === undefined || d.status === query.status) &&
          (query.fromId === undefined || d.id >= query.fromId),
      )
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    let start = 0;
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor, scope);
      start = all.findIndex((d) => d.id < after);
      if (start < 0) start = all.length;
    }
    const items = all.slice(start, start + query.limit);
    const last = items[items.length - 1];
    const more = start + query.limit < all.length;
    return { items: items.map(copy), ...(more && last ? { cursor: encodeCursor(scope, last.id) } : {}) };
  }

  async recoverDelivery(deliveryId: string, at: number, sweepAt: number): Promise<boolean> {
    this.failures.check('recoverDelivery');
    const current = this.deliveries.get(deliveryId);
    if (current?.status !== 'failed') return false;
    const { failureReason: _reason, ...rest } = current;
    this.deliveries.set(deliveryId, {
      ...rest,
      status: 'pending',
      attemptOffset: current.attemptCount,
      nextAttemptAt: at,
      sweepAt,
      updatedAt: new Date(at).toISOString(),
    });
    return true;
  }

  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    this.failures.check('getDelivery');
    return copyOrUndefined(this.deliveries.get(deliveryId));
  }

  /** The deliveries found, in the order asked for; unknown ids are left out. */
  async getDeliveries(deliveryIds: readonly string[]): Promise<Delivery[]> {
    this.failures.check('getDeliveries');
    return deliveryIds.flatMap((id) => {
      const found = this.deliveries.get(id);
      return found ? [copy(found)] : [];
    });
  }

  async loadForAttempt(
    message: DeliveryMessage,
    options: { withEvent?: boolean } = {},
  ): Promise<{ delivery?: Delivery; endpoint?: Endpoint; event?: StoredEvent }> {
    this.failures.check('loadForAttempt');
    const delivery = this.deliveries.get(message.deliveryId);
    const endpoint = this.endpoints.get(endpointKey(message.tenantId, message.endpointId));
    const event =
      options.withEvent === false ? undefined : this.events.get(eventKey(message.tenantId, message.eventId));
    return {
      ...(delivery ? { delivery: copy(delivery) } : {}),
      ...(endpoint ? { endpoint: copy(endpoint) } : {}),
      ...(event ? { event: copy(event) } : {}),
    };
  }

  async recordAttempt(deliveryId: string, record: AttemptRecord): Promise<boolean> {
    this.failures.check('recordAttempt');
    const current = this.deliveries.get(deliveryId);
    if (current?.status !== 'pending' || current.attemptCount !== record.attempt.number - 1) {
      return false;
    }
    const { nextAttemptAt: _next, sweepAt: _sweep, ...rest } = current;
    this.deliveries.set(deliveryId, {
      ...rest,
      status: record.status,
      attemptCount: record.attempt.number,
      attempts: [...current.attempts, copy(record.attempt)],
      updatedAt: this.stamp(),
      ...(record.status === 'pending'
        ? { nextAttemptAt: record.nextAttemptAt, sweepAt: record.sweepAt }
        : {}),
      ...(record.failureReason ? { failureReason: record.failureReason } : {}),
    });
    return true;
  }

  async failDelivery(deliveryId: string, reason: string): Promise<boolean> {
    this.failures.check('failDelivery');
    const current = this.deliveries.get(deliveryId);
    if (current?.status !== 'pending') return false;
    const { nextAttemptAt: _next, sweepAt: _sweep, ...rest } = current;
    this.deliveries.set(deliveryId, {
      ...rest,
      status: 'failed',
      failureReason: reason,
      updatedAt: this.stamp(),
    });
    return true;
  }

  async listSweepable(now: number, limit: number): Promise<Delivery[]> {
    this.failures.check('listSweepable');
    return [...this.deliveries.values()]
      .filter((d) => d.status === 'pending' && d.sweepAt !== undefined && d.sweepAt <= now)
      .sort((a, b) => a.sweepAt! - b.sweepAt! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map(copy);
  }

  async rescheduleSweep(deliveryId: string, expected: number, next: number): Promise<boolean> {
    this.failures.check('rescheduleSweep');
    const current = this.deliveries.get(deliveryId);
    if (current?.status !== 'pending' || current.sweepAt !== expected) return false;
    this.deliveries.set(deliveryId, { ...current, sweepAt: next });
    return true;
  }

  private tenantEndpoints(tenantId: string): Endpoint[] {
    return [...this.endpoints.values()]
      .filter((ep) => ep.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private stamp(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function endpointKey(tenantId: string, endpointId: string): string {
  return `${tenantId}/${endpointId}`;
}

function eventKey(tenantId: string, eventId: string): string {
  return `${tenantId}/${eventId}`;
}

/** Cursor of a listing: the last id returned, bound to the listing (`scope`) it came from. */
function encodeCursor(scope: string, afterId: string): string {
  return Buffer.from(JSON.stringify({ scope, afterId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, scope: string): string {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      scope?: unknown;
      afterId?: unknown;
    };
    if (key.scope === scope && typeof key.afterId === 'string') return key.afterId;
  } catch {
    // Falls through to the same error as a well-formed cursor of another listing.
  }
  throw ValidationError.of('cursor', 'is not a cursor returned by this listing');
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function copyOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : copy(value);
}

// ---------------------------------------------------------------------------------------------------
// Queues

type QueueMethod = keyof DeliveryQueues;

/**
 * DeliveryQueues that records every call. Like SQS, `delay` takes whole seconds from 0 to 900 and `hold`
 * whole seconds from 0 to 43,200; anything else throws a RangeError (a domain bug, not a queue outage).
 */
export class FakeQueues implements DeliveryQueues {
  /** Every message sent to the FIFO delivery queue, in order (all `enqueue` calls flattened). */
  readonly enqueued: DeliveryMessage[] = [];
  /** The batches as passed to `enqueue`, one entry per call. */
  readonly enqueueCalls: DeliveryMessage[][] = [];
  readonly delayed: { message: DeliveryMessage; delaySeconds: number }[] = [];
  readonly deadLettered: { message: DeliveryMessage; reason: string }[] = [];
  readonly held: { receiptHandle: string; seconds: number }[] = [];
  private readonly failures = new Failures();

  /**
   * Makes `method` throw `error` (by default a DependencyUnavailableError for SQS) on its next `times`
   * calls, or on every call until `recover()`. A failing call records nothing.
   */
  fail(
    method: QueueMethod,
    error: unknown = new DependencyUnavailableError('sqs'),
    times = Number.POSITIVE_INFINITY,
  ): void {
    this.failures.set(method, error, times);
  }

  recover(): void {
    this.failures.clear();
  }

  /** Forgets every recorded call (failure switches stay). */
  reset(): void {
    for (const list of [this.enqueued, this.enqueueCalls, this.delayed, this.deadLettered, this.held]) {
      list.length = 0;
    }
  }

  async enqueue(messages: readonly DeliveryMessage[]): Promise<void> {
    this.failures.check('enqueue');
    const batch = messages.map(copy);
    this.enqueueCalls.push(batch);
    this.enqueued.push(...batch.map(copy));
  }

  async delay(message: DeliveryMessage, delaySeconds: number): Promise<void> {
    this.failures.check('delay');
    requireWholeSeconds('delay', delaySeconds, MAX_TIMER_SECONDS);
    this.delayed.push({ message: copy(message), delaySeconds });
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    this.failures.check('deadLetter');
    this.deadLettered.push({ message: copy(message), reason });
  }

  async hold(receiptHandle: string, seconds: number): Promise<void> {
    this.failures.check('hold');
    requireWholeSeconds('hold', seconds, MAX_VISIBILITY_SECONDS);
    this.held.push({ receiptHandle, seconds });
  }
}

function requireWholeSeconds(method: string, seconds: number, max: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > max) {
    throw new RangeError(`FakeQueues.${method}: seconds must be an integer from 0 to ${max}, got ${seconds}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP

/** One `post` as the fake received it. */
export interface HttpCall {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** Decides the outcome of a call; `index` is 0 for the first call the fake received. */
export type HttpScript = (call: HttpCall, index: number) => HttpOutcome | Promise<HttpOutcome>;

/** A response outcome with `status` (and optionally a body and a `Retry-After` value). */
export function httpStatus(
  status: number,
  options: { body?: string; retryAfter?: string } = {},
): HttpOutcome {
  return {
    kind: 'response',
    response: {
      status,
      body: options.body ?? '',
      ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
    },
  };
}

/** A transport failure outcome (no response). */
export function httpError(
  errorClass: Extract<HttpOutcome, { kind: 'error' }>['errorClass'],
  message = `${errorClass} error`,
): HttpOutcome {
  return { kind: 'error', errorClass, message };
}

/**
 * HttpSender that records calls and answers from a script: a function of the call, or a list of outcomes
 * used one per call (running out throws, so an unexpected extra call fails the test). Answers 200 to
 * everything when given nothing.
 */
export class FakeHttp implements HttpSender {
  readonly calls: HttpCall[] = [];
  private script: HttpScript;

  constructor(script: HttpScript | readonly HttpOutcome[] = () => httpStatus(200)) {
    this.script = FakeHttp.toScript(script);
  }

  /** Replaces the script; recorded calls are kept. */
  respond(script: HttpScript | readonly HttpOutcome[]): void {
    this.script = FakeHttp.toScript(script);
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    const call: HttpCall = { url, headers: { ...headers }, body, timeoutMs };
    this.calls.push(call);
    return this.script(call, this.calls.length - 1);
  }

  private static toScript(script: HttpScript | readonly HttpOutcome[]): HttpScript {
    if (typeof script === 'function') return script;
    const queue = [...script];
    return (call, index) => {
      const next = queue.shift();
      if (!next) throw new Error(`FakeHttp: no scripted outcome left for call ${index + 1} (${call.url})`);
      return next;
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Settings, log, service

/**
 * ServiceSettings for tests: brand YumKiosk, the default catalog, a short retry schedule of 1 s, 2 s, 3 s
 * without jitter (four attempts in all), a 10 s timeout and a 15 min sweep grace (the config default).
 */
export function testSettings(overrides: Partial<ServiceSettings> = {}): ServiceSettings {
  return {
    brand: 'YumKiosk',
    deliveryTimeoutMs: 10_000,
    retry: { delaysMs: [1000, 2000, 3000], jitter: 0 },
    sweepGraceMs: 15 * 60_000,
    retentionDays: 30,
    catalog: new EventCatalog(DEFAULT_CATALOG),
    maxEndpointsPerTenant: 50,
    endpointCacheTtlMs: 0, // no endpoint cache unless a test asks for one
    allowInsecureTargets: false,
    ...overrides,
  };
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra?: Record<string, unknown>;
}

/** A Log that keeps its records in `entries` and prints nothing. */
export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  debug = (message: string, extra?: Record<string, unknown>) => this.write('debug', message, extra);
  info = (message: string, extra?: Record<string, unknown>) => this.write('info', message, extra);
  warn = (message: string, extra?: Record<string, unknown>) => this.write('warn', message, extra);
  error = (message: string, extra?: Record<string, unknown>) => this.write('error', message, extra);

  private write(level: LogEntry['level'], message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level, message, ...(extra ? { extra } : {}) });
  }
}

/** One metric recorded by RecordingTelemetry. */
export interface MetricEntry {
  readonly name: string;
  readonly unit: 'count' | 'milliseconds';
  readonly value: number;
}

/** Telemetry (`lambdas/observability.ts`) that keeps its metrics in `metrics` and counts flushes. */
export class RecordingTelemetry {
  readonly metrics: MetricEntry[] = [];
  flushes = 0;
  count = (name: string, value = 1) => {
    this.metrics.push({ name, unit: 'count', value });
  };
  milliseconds = (name: string, value: number) => {
    this.metrics.push({ name, unit: 'milliseconds', value });
  };
  flush = () => {
    this.flushes++;
  };
}

/** A `Service` (`lambdas/service.ts`) made of fakes, typed so tests can reach the fakes' helpers. */
export interface FakeService extends Service {
  readonly store: FakeStore;
  readonly queues: FakeQueues;
  readonly http: FakeHttp;
  readonly clock: FakeClock;
  readonly log: RecordingLog;
  readonly telemetry: RecordingTelemetry;
}

/** Everything a handler needs, built from fresh fakes sharing one FakeClock. */
export function fakeService(
  options: {
    settings?: Partial<ServiceSettings>;
    http?: HttpScript | readonly HttpOutcome[];
    clock?: FakeClock;
  } = {},
): FakeService {
  const clock = options.clock ?? new FakeClock();
  return {
    store: new FakeStore(clock),
    queues: new FakeQueues(),
    http: options.http ? new FakeHttp(options.http) : new FakeHttp(),
    clock,
    settings: testSettings(options.settings),
    log: new RecordingLog(),
    telemetry: new RecordingTelemetry(),
    queueDepths: async () => ({}),
    resolveHost: async () => ['93.184.216.34'],
    checkResolved: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------------
// Record builders

/** An enabled, sequential endpoint of tenant `t_1` subscribed to `*`, signing with `whsec_test`. */
export function endpointFixture(overrides: Partial<Endpoint> = {}): Endpoint {
  const at = new Date(T0).toISOString();
  return {
    id: 'ep_1',
    tenantId: 't_1',
    url: 'https://hooks.example.com/yumkiosk',
    events: ['*'],
    description: '',
    status: 'enabled',
    ordering: 'sequential',
    secrets: [{ secret: 'whsec_test' }],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An `order.created` event of tenant `t_1`; `body` is the serialized envelope of `data` unless given. */
export function eventFixture(
  overrides: Partial<StoredEvent> & { data?: Record<string, unknown> } = {},
): StoredEvent {
  const { data = { orderId: 'ord_1' }, ...rest } = overrides;
  const id = rest.id ?? 'evt_1';
  const type = rest.type ?? 'order.created';
  const createdAt = rest.createdAt ?? new Date(T0).toISOString();
  return {
    id,
    tenantId: 't_1',
    type,
    body: serializeEnvelope({ id, type, createdAt, data }),
    createdAt,
    deliveries: [],
    ...rest,
  };
}

/** A pending delivery of `evt_1` to `ep_1` with no attempts, due at T0, sweepable after T0 + 15 min. */
export function deliveryFixture(overrides: Partial<Delivery> = {}): Delivery {
  const at = new Date(T0).toISOString();
  return {
    id: 'dlv_1',
    tenantId: 't_1',
    eventId: 'evt_1',
    eventType: 'order.created',
    endpointId: 'ep_1',
    status: 'pending',
    attemptCount: 0,
    nextAttemptAt: T0,
    sweepAt: T0 + 15 * 60_000,
    createdAt: at,
    updatedAt: at,
    attempts: [],
    ...overrides,
  };
}

/** The delivery-queue message for the next attempt of `delivery` (sequential unless overridden). */
export function messageFor(delivery: Delivery, overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return { ...nextAttemptMessage(delivery, 'sequential'), ...overrides };
}

/**
 * An SQS FIFO record as Lambda hands it over: `groupId` becomes `MessageGroupId`, the receipt handle is
 * `rh-<messageId>`.
 */
export function fifoRecord(input: { messageId: string; groupId: string; body: string }): SQSRecord {
  return {
    messageId: input.messageId,
    receiptHandle: `rh-${input.messageId}`,
    body: input.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(T0),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(T0),
      MessageGroupId: input.groupId,
      MessageDeduplicationId: input.messageId,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deliveries.fifo',
    awsRegion: 'us-east-1',
  };
}

/**
 * What the domain needs from the outside world, as small ports declared by the code that uses them.
 * Adapters (`lambdas/adapters`) implement them with DynamoDB, SQS and node:http(s); tests with fakes, and
 * `test/contract` runs one suite against both stores.
 */
import type {
  Attempt,
  Delivery,
  DeliveryMessage,
  DeliveryRef,
  DeliveryStatus,
  DeliverySummary,
  Endpoint,
  StoredEvent,
} from './model';

export interface Clock {
  now(): number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string;
}

/** Endpoints: the owner API writes them, publish and delivery read them. */
export interface EndpointStore {
  /**
   * Writes a new endpoint unless the tenant already has `maxPerTenant`: the count is kept in the table and
   * checked in the same write, so concurrent creates cannot pass the cap.
   */
  createEndpoint(endpoint: Endpoint, maxPerTenant: number): Promise<'created' | 'limit_reached'>;
  /** `consistent: false` reads eventually consistent (half the cost; the delivery path caches anyway). */
  getEndpoint(
    tenantId: string,
    endpointId: string,
    options?: { consistent?: boolean },
  ): Promise<Endpoint | undefined>;
  /** Every endpoint of a tenant (strongly consistent), for fan-out. */
  listTenantEndpoints(tenantId: string): Promise<Endpoint[]>;
  listEndpoints(tenantId: string, options: { limit: number; cursor?: string }): Promise<Page<Endpoint>>;
  /** Replaces an endpoint if its `updatedAt` is still `expectedUpdatedAt`; false if it changed or is gone. */
  updateEndpoint(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean>;
  /** False when there was no such endpoint. */
  deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean>;
}

/** Events: publish writes them once; replay, recover and the sweeper read their bodies. */
export interface EventStore {
  /** Writes the event only if the tenant has no event with this id (the idempotency check). */
  putEvent(event: StoredEvent): Promise<'created' | 'exists'>;
  getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  /**
   * Marks an event whose queue messages may not all have been sent, so the sweeper sends them after
   * `sweepAt` (epoch ms). `clearUnsent` removes the mark once they are.
   */
  markUnsent(tenantId: string, eventId: string, sweepAt: number): Promise<void>;
  clearUnsent(tenantId: string, eventId: string): Promise<void>;
  /**
   * Keeps the event until at least `until` (epoch ms), so nothing pending outlives its body, and records a
   * replay of one of its deliveries when given.
   */
  retainEvent(
    tenantId: string,
    eventId: string,
    until: number,
    replay?: { readonly id: string; readonly endpointId: string },
  ): Promise<void>;
}

/** What the sweeper may find: a delivery waiting for a retry, or an event whose messages may be unsent. */
export type Sweepable =
  | { readonly kind: 'delivery'; readonly delivery: DeliverySummary; readonly sweepAt: number }
  | { readonly kind: 'event'; readonly event: StoredEvent; readonly sweepAt: number };

export interface AttemptRecord {
  readonly attempt: Attempt;
  readonly status: DeliveryStatus;
  /** Epoch ms of the next attempt while pending. */
  readonly nextAttemptAt?: number;
  /** Epoch ms after which the sweeper may re-enqueue the delivery while pending. */
  readonly sweepAt?: number;
  readonly failureReason?: string;
  /** The round's first attempt is `attemptOffset + 1`. */
  readonly attemptOffset: number;
  /**
   * The delivery has a record already (its message says `recorded`: replay, release, ping, sweeper): a
   * store that tries a create-only write first for a first outcome can skip it. A hint: without it, the
   * store finds out (at the price of a refused write).
   */
  readonly recorded?: boolean;
}

export interface DeliveryQuery {
  readonly tenantId: string;
  readonly endpointId?: string;
  readonly status?: DeliveryStatus;
  /** Only deliveries created at or after this time (epoch ms). */
  readonly since?: number;
  readonly limit: number;
  readonly cursor?: string;
}

/** What a re-received message needs to know of its delivery: is it done, which attempt is next, when. */
export type DeliveryState = Pick<
  Delivery,
  'status' | 'attemptCount' | 'nextAttemptAt' | 'attemptOffset' | 'updatedAt'
>;

/**
 * Deliveries and their attempts. A delivery has no record until its first outcome (the queue message
 * carries it until then); a replay's record is written when it is made.
 */
export interface DeliveryStore {
  /** Writes a new pending delivery (a replay), so it can be read before its first attempt. */
  createDelivery(delivery: Delivery, sweepAt: number): Promise<void>;
  /**
   * Keeps deliveries for a disabled endpoint: one small `held` record each, no queue message, not
   * sweepable. A delivery that already has a record is left as it is (a re-publish or the sweeper).
   */
  holdDeliveries(deliveries: readonly Delivery[]): Promise<void>;
  /** A delivery with every attempt, or undefined. */
  getDelivery(tenantId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Deliveries by id, without their attempts; ids with no record are left out. */
  getDeliveries(tenantId: string, deliveryIds: readonly string[]): Promise<DeliverySummary[]>;
  /** Status and counters only (no attempts): one small read. */
  getDeliveryState(tenantId: string, deliveryId: string): Promise<DeliveryState | undefined>;
  /**
   * An endpoint's deliveries (every status), or a tenant's `pending` or `failed` deliveries across
   * endpoints; newest first. Items carry no attempts but the last.
   */
  listDeliveries(query: DeliveryQuery): Promise<Page<DeliverySummary>>;
  /**
   * Records attempt `record.attempt.number` and the outcome, creating the record on the first outcome,
   * only if the delivery is unrecorded or still pending with `number - 1` attempts. False when that no
   * longer holds (a duplicate message did it first).
   */
  recordAttempt(ref: DeliveryRef, record: AttemptRecord): Promise<boolean>;
  /** Ends a pending (or unrecorded) delivery `failed` without an attempt (endpoint deleted or disabled). */
  failDelivery(ref: DeliveryRef, reason: string, attemptOffset: number): Promise<boolean>;
  /**
   * Turns a failed or held delivery pending again for a new round of attempts (round + 1, the schedule
   * restarted); the delivery as it now is, or undefined if it was neither.
   */
  recoverDelivery(
    tenantId: string,
    deliveryId: string,
    at: number,
    sweepAt: number,
  ): Promise<DeliverySummary | undefined>;
  /**
   * Pending deliveries and unsent events whose `sweepAt` has passed. With `everything` (the local runtime's
   * start, whose queues are new): every pending delivery and every event, whatever its `sweepAt`.
   */
  listSweepable(now: number, limit: number, everything?: boolean): Promise<Sweepable[]>;
  /** Moves a pending delivery's `sweepAt` forward if it still equals `expected`. */
  rescheduleSweep(tenantId: string, deliveryId: string, expected: number, next: number): Promise<boolean>;
}

/** The whole store, as the service builds it; each use case asks only for the ports it needs. */
export type WebhookStore = EndpointStore & EventStore & DeliveryStore;

export interface DeliveryQueues {
  /**
   * Sends to the FIFO delivery queue in order: group = endpoint id, deduplication id = delivery, round
   * and attempt.
   */
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
  /** Holds a message on the retry queue until `dueAt` and then puts it back in its endpoint's group. */
  delay(message: DeliveryMessage & { readonly dueAt: number }): Promise<void>;
  /** Sends a delivery given up on to the DLQ, with the reason. */
  deadLetter(message: DeliveryMessage | { readonly raw: string }, reason: string): Promise<void>;
  /** Hides a received delivery-queue message until about `until` (epoch ms): it holds its group. */
  holdUntil(receiptHandle: string, until: number): Promise<void>;
  /**
   * Makes received delivery-queue messages visible again at once (followers handed back untried): their
   * group then waits only for its head, not for the followers' visibility timeout.
   */
  release(receiptHandles: readonly string[]): Promise<void>;
}

/** What a sealed secret is bound to: a value sealed for one endpoint does not open for another. */
export interface SecretBinding {
  readonly tenantId: string;
  readonly endpointId: string;
}

/** Seals signing secrets before they are stored (the owner API: create, rotate, and any later write). */
export interface SecretSealer {
  /** The stored form of `secret`, opened only with the same binding. */
  seal(secret: string, binding: SecretBinding): Promise<string>;
}

/** Opens sealed signing secrets where requests are signed (the delivery function, and nothing else). */
export interface SecretOpener {
  /**
   * The secret in clear. Throws SecretUnreadableError when it can never be opened (key disabled, value
   * altered or bound to another endpoint), DependencyUnavailableError when the key service is down.
   */
  open(sealed: string, binding: SecretBinding): Promise<string>;
}

export interface HttpResponseSummary {
  readonly status: number;
  /** At most 4 KB of the body, decoded as UTF-8 and cut to 4 KB of UTF-8. */
  readonly body: string;
  readonly retryAfter?: string;
}

export type HttpOutcome =
  | { readonly kind: 'response'; readonly response: HttpResponseSummary }
  | {
      readonly kind: 'error';
      readonly errorClass: 'timeout' | 'dns' | 'connection' | 'tls' | 'blocked_target';
      readonly message: string;
    };

export interface HttpSender {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpOutcome>;
}

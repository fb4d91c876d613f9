/**
 * What the domain needs from the outside world. Adapters (`lambdas/adapters`) implement these with
 * DynamoDB, SQS and undici; tests implement them with fakes.
 */
import type { Attempt, Delivery, DeliveryMessage, DeliveryStatus, Endpoint, StoredEvent } from './model';

export interface Clock {
  now(): number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string;
}

export interface AttemptRecord {
  readonly attempt: Attempt;
  readonly status: DeliveryStatus;
  /** Epoch ms of the next attempt while pending. */
  readonly nextAttemptAt?: number;
  /** Epoch ms after which the sweeper may re-enqueue the delivery while pending. */
  readonly sweepAt?: number;
  readonly failureReason?: string;
}

export interface DeliveryQuery {
  readonly tenantId: string;
  readonly endpointId?: string;
  readonly eventId?: string;
  readonly status?: DeliveryStatus;
  /** Only deliveries created at or after this id (ids sort by creation time). */
  readonly fromId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface WebhookStore {
  putEndpoint(endpoint: Endpoint): Promise<void>;
  getEndpoint(tenantId: string, endpointId: string): Promise<Endpoint | undefined>;
  /** Every endpoint of a tenant (strongly consistent), for fan-out. */
  listTenantEndpoints(tenantId: string): Promise<Endpoint[]>;
  listEndpoints(tenantId: string, options: { limit: number; cursor?: string }): Promise<Page<Endpoint>>;
  /** Replaces an endpoint if its `updatedAt` is still `expectedUpdatedAt`; false if it changed or is gone. */
  updateEndpoint(endpoint: Endpoint, expectedUpdatedAt: string): Promise<boolean>;
  /** False when there was no such endpoint. */
  deleteEndpoint(tenantId: string, endpointId: string): Promise<boolean>;

  /**
   * Writes the event and its deliveries atomically. Returns `exists` (writing nothing) when the tenant
   * already has an event with this id.
   */
  createEvent(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    sweepAt: number,
  ): Promise<'created' | 'exists'>;
  getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;

  /** Writes a new pending delivery (a replay). */
  createDelivery(delivery: Delivery, sweepAt: number): Promise<void>;
  listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>>;
  /** Turns a failed delivery pending again for a new round of attempts; false if it was not failed. */
  recoverDelivery(deliveryId: string, at: number, sweepAt: number): Promise<boolean>;
  getDelivery(deliveryId: string): Promise<Delivery | undefined>;
  getDeliveries(deliveryIds: readonly string[]): Promise<Delivery[]>;
  /**
   * One consistent read of what a delivery attempt needs: the delivery and the endpoint, and the event
   * unless `withEvent` is false (the message carries its body).
   */
  loadForAttempt(
    message: DeliveryMessage,
    options?: { withEvent?: boolean },
  ): Promise<{ delivery?: Delivery; endpoint?: Endpoint; event?: StoredEvent }>;
  /**
   * Appends attempt `record.attempt.number` and sets the outcome, only if the delivery is still pending
   * with `attempt.number - 1` attempts. False when that condition no longer holds (someone else did it).
   */
  recordAttempt(deliveryId: string, record: AttemptRecord): Promise<boolean>;
  /** Marks a pending delivery failed without an attempt (endpoint deleted or disabled). */
  failDelivery(deliveryId: string, reason: string): Promise<boolean>;

  /** Pending deliveries whose `sweepAt` has passed, oldest first. */
  listSweepable(now: number, limit: number): Promise<Delivery[]>;
  /** Moves `sweepAt` forward if it still equals `expected` and the delivery is pending. */
  rescheduleSweep(deliveryId: string, expected: number, next: number): Promise<boolean>;
}

export interface DeliveryQueues {
  /** Sends to the FIFO delivery queue: group = endpoint id, deduplication id = delivery id + attempt. */
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
  /** Sends to the standard retry queue with a message timer (0 to 900 s). */
  delay(message: DeliveryMessage, delaySeconds: number): Promise<void>;
  /** Sends a finally failed delivery to the DLQ. */
  deadLetter(message: DeliveryMessage, reason: string): Promise<void>;
  /** Sets a received delivery-queue message's visibility timeout (holds its group). */
  hold(receiptHandle: string, seconds: number): Promise<void>;
}

export interface HttpResponseSummary {
  readonly status: number;
  /** First 4 KB of the body. */
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

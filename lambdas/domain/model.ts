/** The records the service keeps, independent of how they are stored. */
import type { FilterPattern } from './filter';
import { newDeliveryId } from './ids';

export type EndpointStatus = 'enabled' | 'disabled';
export type Ordering = 'sequential' | 'strict';
/**
 * `held`: kept, not attempted, while its endpoint is disabled; enabling the endpoint (or `recover`) sends
 * it. Final: `succeeded` and `failed`.
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'held';

/** Why an attempt failed; `http_status` carries the status in `responseStatus`. */
export type ErrorClass = 'timeout' | 'dns' | 'connection' | 'tls' | 'http_status' | 'blocked_target';

/** A signing secret in clear: what the signature is computed with (the delivery path only). */
export interface SigningSecret {
  readonly secret: string;
  /** Epoch ms after which the secret no longer signs; absent for the current secret. */
  readonly expiresAt?: number;
}

/**
 * A signing secret as the endpoint record keeps it: `sealed` (envelope-encrypted, `secrets.ts`), or, for
 * records written before secrets were sealed, `secret` in clear (read as is; sealed on the next write).
 */
export type StoredSecret =
  | { readonly sealed: string; readonly expiresAt?: number }
  | { readonly secret: string; readonly expiresAt?: number };

export interface Endpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string;
  readonly status: EndpointStatus;
  readonly ordering: Ordering;
  /** Sealed (or legacy clear) secrets: only the delivery function can open them. */
  readonly secrets: readonly StoredSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Extra request headers sent with every delivery (names checked: none of ours). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Content pattern over the event's `data` that must match for the endpoint to get it (filter.ts). */
  readonly filter?: FilterPattern;
  /** Most deliveries per second to this endpoint, whatever the backlog (rate-limit.ts); none: no limit. */
  readonly rateLimit?: number;
  /** When and why the endpoint was disabled (a 410 from the receiver, or the API); absent while enabled. */
  readonly disabledAt?: string;
  readonly disabledReason?: string;
  /**
   * Start of an unbroken streak of failed attempts (any success clears it); written only when the streak
   * starts or ends. An endpoint failing for `ENDPOINT_DISABLE_AFTER` is disabled (endpoint-health.ts).
   */
  readonly failingSince?: string;
}

export interface StoredEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly type: string;
  /** The exact envelope bytes (UTF-8 JSON) sent on every attempt of every delivery. */
  readonly body: string;
  readonly createdAt: string;
  /** The deliveries created at publish time, returned again on an idempotent re-publish. */
  readonly deliveries: readonly { readonly id: string; readonly endpointId: string }[];
  /** Replays of this event's deliveries, added when made (the event's deliveries log lists them too). */
  readonly replays?: readonly { readonly id: string; readonly endpointId: string }[];
  /** Set while some of its first-attempt messages may not have been sent (a failed publish). */
  readonly unsent?: boolean;
}

export interface Attempt {
  readonly number: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The request headers as sent, signatures masked. */
  readonly requestHeaders?: Record<string, string>;
  readonly responseStatus?: number;
  /** First 4 KB of the response body, decoded as UTF-8. */
  readonly responseBody?: string;
  readonly errorClass?: ErrorClass;
  readonly errorMessage?: string;
}

export interface Delivery {
  readonly id: string;
  readonly tenantId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  /** Epoch ms the next attempt is due; absent once the delivery is final. */
  readonly nextAttemptAt?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: readonly Attempt[];
  readonly failureReason?: string;
  /** Attempts made before the current round (a recover starts a new round with the full schedule). */
  readonly attemptOffset?: number;
  /** For a replay: the delivery it replays. */
  readonly replayOf?: string;
  /** 0 for the first round of attempts, +1 per recover (internal: part of the queue deduplication id). */
  readonly round?: number;
}

/** A delivery in a listing: everything but the attempts' details, with a glance at the last one. */
export type DeliverySummary = Omit<Delivery, 'attempts'> & {
  readonly lastAttempt?: {
    readonly responseStatus?: number;
    readonly errorClass?: string;
    readonly startedAt: string;
  };
};

/** What identifies a delivery and what its record is created from: every message carries it. */
export type DeliveryRef = Pick<
  Delivery,
  'id' | 'tenantId' | 'eventId' | 'eventType' | 'endpointId' | 'createdAt' | 'replayOf'
>;

/**
 * The body of a message on the delivery queue (and, with `dueAt`, on the retry queue). It carries
 * everything an attempt needs but the endpoint: the delivery's identity, which attempt and round it is,
 * and the event's envelope bytes, so an attempt reads no delivery or event item.
 */
export interface DeliveryMessage {
  readonly v: 2;
  readonly deliveryId: string;
  readonly tenantId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly endpointId: string;
  /** When the delivery was created (publish or replay), ISO-8601. */
  readonly createdAt: string;
  /** The attempt this message is for (1-based, counted over every round). */
  readonly attempt: number;
  /** Attempts made before this round: the schedule restarts after them (recover). */
  readonly attemptOffset: number;
  /** 0 for the first round, +1 for each recover; part of the deduplication id. */
  readonly round: number;
  readonly ordering: Ordering;
  readonly replayOf?: string;
  /** Epoch ms; set on retry-queue messages, the time the attempt is due. */
  readonly dueAt?: number;
  /** The envelope bytes; absent only when too large to ride along (read from the event item then). */
  readonly body?: string;
  /** One attempt and no retries (the test ping). */
  readonly noRetry?: boolean;
  /**
   * The delivery already has a record (a replay, a recover or release, a test ping, the sweeper's copy):
   * its state is read before the first attempt too, since the sweeper may have queued a copy of it.
   */
  readonly recorded?: boolean;
}

/**
 * A new delivery of an event to an endpoint, due now: what publish and replay create (with `id`, one
 * named at publish and sent again).
 */
export function newDelivery(
  of: Pick<Delivery, 'tenantId' | 'eventId' | 'eventType' | 'endpointId'> & {
    readonly replayOf?: string;
    readonly id?: string;
  },
  now: number,
): Delivery {
  const at = new Date(now).toISOString();
  return {
    id: of.id ?? newDeliveryId(of.endpointId, now),
    ...of,
    status: 'pending',
    attemptCount: 0,
    nextAttemptAt: now,
    createdAt: at,
    updatedAt: at,
    attempts: [],
  };
}

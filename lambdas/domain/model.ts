/** The records the service keeps, independent of how they are stored. */
import { newId } from './ids';

export type EndpointStatus = 'enabled' | 'disabled';
export type Ordering = 'sequential' | 'strict';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** Why an attempt failed; `http_status` carries the status in `responseStatus`. */
export type ErrorClass = 'timeout' | 'dns' | 'connection' | 'tls' | 'http_status' | 'blocked_target';

export interface SigningSecret {
  readonly secret: string;
  /** Epoch ms after which the secret no longer signs; absent for the current secret. */
  readonly expiresAt?: number;
}

export interface Endpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string;
  readonly status: EndpointStatus;
  readonly ordering: Ordering;
  readonly secrets: readonly SigningSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
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
  /** Epoch ms after which the sweeper re-enqueues the delivery if it is still pending. */
  readonly sweepAt?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: readonly Attempt[];
  readonly failureReason?: string;
  /** Attempts made before the current round (a recover starts a new round with the full schedule). */
  readonly attemptOffset?: number;
  /** For a replay: the delivery it replays. */
  readonly replayOf?: string;
}

/** The body of a message on the delivery queue (and, with `dueAt`, on the retry queue). */
export interface DeliveryMessage {
  readonly v: 1;
  readonly deliveryId: string;
  readonly tenantId: string;
  readonly eventId: string;
  readonly endpointId: string;
  /** The attempt this message is for (1-based). Messages for attempts already made are stale. */
  readonly attempt: number;
  readonly ordering: Ordering;
  /** Epoch ms; set on retry-queue messages, the time the attempt is due. */
  readonly dueAt?: number;
  /**
   * The event's type and envelope bytes, when small enough to ride along (MAX_CARRIED_BODY_BYTES): the
   * attempt then reads only the delivery and the endpoint, not the event.
   */
  readonly eventType?: string;
  readonly body?: string;
}

/** A new pending delivery of an event to an endpoint, due now: what publish and replay create. */
export function newDelivery(
  of: Pick<Delivery, 'tenantId' | 'eventId' | 'eventType' | 'endpointId'> & { readonly replayOf?: string },
  now: number,
): Delivery {
  const at = new Date(now).toISOString();
  return {
    id: newId('dlv', now),
    ...of,
    status: 'pending',
    attemptCount: 0,
    nextAttemptAt: now,
    createdAt: at,
    updatedAt: at,
    attempts: [],
  };
}

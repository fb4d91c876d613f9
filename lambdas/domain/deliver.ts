import { PoisonMessageError } from './errors';
import type { RecordOutcome } from './fifo-batch';
import { parseDeliveryMessage } from './messages';
import type { Attempt, Delivery, DeliveryMessage, Endpoint, StoredEvent } from './model';
import type { AttemptRecord, Clock, DeliveryQueues, HttpOutcome, HttpSender, WebhookStore } from './ports';
import { deliveryHeaders, redactSignature } from './request';
import { MAX_VISIBILITY_SECONDS, parseRetryAfter, planHop, retryDelayMs } from './retry-policy';
import type { ServiceSettings } from './settings';

export interface DelivererDeps {
  readonly store: WebhookStore;
  readonly queues: DeliveryQueues;
  readonly http: HttpSender;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  readonly random?: () => number;
  /** Called once per attempt made; the handler turns it into logs and metrics. */
  readonly onAttempt?: (info: AttemptReport) => void;
}

export interface AttemptReport {
  readonly delivery: Delivery;
  readonly attempt: Attempt;
  readonly outcome: 'succeeded' | 'retry_scheduled' | 'failed';
  readonly nextAttemptAt?: number;
}

export interface ReceivedMessage {
  readonly body: string;
  readonly receiptHandle: string;
}

/** A strict-ordering message that comes back less than this early is treated as due. */
const DUE_TOLERANCE_MS = 1000;
/**
 * An unprocessable message is made visible again at once: it can never succeed, so it should use up its
 * receives (maxReceiveCount) quickly and reach the DLQ by redrive rather than hold its group for hours.
 */
const POISON_BACKOFF_SECONDS = 0;

/** Success is any 2xx; redirects are not followed, so 3xx is a failure like every other status. */
export function isSuccess(outcome: HttpOutcome): boolean {
  return outcome.kind === 'response' && outcome.response.status >= 200 && outcome.response.status < 300;
}

/**
 * Handles one message of the delivery queue: makes the attempt it stands for, records it, and schedules
 * what comes next. Returns `retry` to leave the message (and the rest of its group) on the queue.
 *
 * Sequential endpoints: a failed attempt's retry is a new message through the retry queue and this one is
 * acknowledged, so the group moves on. Strict endpoints: the message itself is hidden for the retry delay
 * and reported failed, which holds the group until the delivery succeeds or is given up on.
 */
export async function handleDeliveryMessage(
  deps: DelivererDeps,
  received: ReceivedMessage,
): Promise<RecordOutcome> {
  const { store, queues, clock } = deps;
  let message: DeliveryMessage;
  try {
    message = parseDeliveryMessage(received.body);
  } catch (error) {
    await queues.hold(received.receiptHandle, POISON_BACKOFF_SECONDS);
    throw error;
  }

  // A message that carries the event's bytes spares the read of the event item.
  const carried = message.body !== undefined && message.eventType !== undefined;
  const { delivery, endpoint, event: stored } = await store.loadForAttempt(message, { withEvent: !carried });
  const event = carried ? { type: message.eventType!, body: message.body! } : stored;
  if (!delivery || !event) {
    await queues.hold(received.receiptHandle, POISON_BACKOFF_SECONDS);
    throw new PoisonMessageError(`delivery ${message.deliveryId} or its event is missing`);
  }
  if (delivery.status !== 'pending') return 'ack';

  if (message.ordering === 'sequential' && message.attempt <= delivery.attemptCount) return 'ack';
  if (message.ordering === 'strict' && delivery.nextAttemptAt !== undefined) {
    const waitMs = delivery.nextAttemptAt - clock.now();
    if (waitMs > DUE_TOLERANCE_MS) {
      await queues.hold(received.receiptHandle, Math.min(Math.ceil(waitMs / 1000), MAX_VISIBILITY_SECONDS));
      return 'retry';
    }
  }

  if (endpoint?.status !== 'enabled') {
    const reason = endpoint ? 'endpoint is disabled' : 'endpoint was deleted';
    await queues.deadLetter(message, reason);
    await store.failDelivery(delivery.id, reason);
    return 'ack';
  }

  return attemptDelivery(deps, { message, delivery, endpoint, event, receiptHandle: received.receiptHandle });
}

async function attemptDelivery(
  deps: DelivererDeps,
  ctx: {
    message: DeliveryMessage;
    delivery: Delivery;
    endpoint: Endpoint;
    event: Pick<StoredEvent, 'type' | 'body'>;
    receiptHandle: string;
  },
): Promise<RecordOutcome> {
  const { store, queues, http, clock, settings } = deps;
  const { message, delivery, endpoint, event } = ctx;
  const number = delivery.attemptCount + 1;
  const started = clock.now();
  const headers = deliveryHeaders({
    scheme: settings.signatureScheme,
    brand: settings.brand,
    body: event.body,
    eventType: event.type,
    deliveryId: delivery.id,
    secrets: endpoint.secrets,
    now: started,
  });
  const outcome = await http.post(endpoint.url, headers, event.body, settings.deliveryTimeoutMs);
  const finished = clock.now();

  const attempt: Attempt = {
    number,
    startedAt: new Date(started).toISOString(),
    durationMs: finished - started,
    requestHeaders: redactSignature(headers, settings.brand),
    ...(outcome.kind === 'response'
      ? {
          responseStatus: outcome.response.status,
          responseBody: outcome.response.body,
          ...(isSuccess(outcome) ? {} : { errorClass: 'http_status' as const }),
        }
      : { errorClass: outcome.errorClass, errorMessage: outcome.message }),
  };

  if (isSuccess(outcome)) {
    const recorded = await store.recordAttempt(delivery.id, { attempt, status: 'succeeded' });
    if (recorded) deps.onAttempt?.({ delivery, attempt, outcome: 'succeeded' });
    return 'ack';
  }

  const retryAfterMs =
    outcome.kind === 'response' && (outcome.response.status === 429 || outcome.response.status === 503)
      ? parseRetryAfter(outcome.response.retryAfter, finished)
      : undefined;
  const delayMs = retryDelayMs(settings.retry, number - (delivery.attemptOffset ?? 0), {
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });

  if (delayMs === undefined) {
    const reason = `gave up after ${number} attempts`;
    await queues.deadLetter({ ...message, attempt: number }, reason);
    const recorded = await store.recordAttempt(delivery.id, {
      attempt,
      status: 'failed',
      failureReason: reason,
    });
    if (recorded) deps.onAttempt?.({ delivery, attempt, outcome: 'failed' });
    return 'ack';
  }

  const nextAttemptAt = finished + delayMs;
  const record: AttemptRecord = {
    attempt,
    status: 'pending',
    nextAttemptAt,
    sweepAt: nextAttemptAt + settings.sweepGraceMs,
  };

  if (message.ordering === 'strict') {
    const recorded = await store.recordAttempt(delivery.id, record);
    if (!recorded) return 'ack';
    deps.onAttempt?.({ delivery, attempt, outcome: 'retry_scheduled', nextAttemptAt });
    await queues.hold(ctx.receiptHandle, Math.min(Math.ceil(delayMs / 1000), MAX_VISIBILITY_SECONDS));
    return 'retry';
  }

  // Sequential: the retry message is sent before the record is written, so a crash in between can only
  // repeat the attempt (at-least-once), never lose the retry.
  const hop = planHop(nextAttemptAt, finished);
  await queues.delay(
    { ...message, attempt: number + 1, dueAt: nextAttemptAt },
    hop.kind === 'delay' ? hop.seconds : 0,
  );
  const recorded = await store.recordAttempt(delivery.id, record);
  if (recorded) deps.onAttempt?.({ delivery, attempt, outcome: 'retry_scheduled', nextAttemptAt });
  return 'ack';
}

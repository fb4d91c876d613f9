import { type AttemptResult, isSuccess, makeAttempt } from './attempt';
import type { EndpointLookup } from './endpoint-cache';
import { disableEndpoint, GONE_REASON, noteAttempt } from './endpoint-health';
import { SecretUnreadableError } from './errors';
import type { RecordOutcome } from './fifo-batch';
import { parseDeliveryMessage, refOf } from './messages';
import type { Attempt, DeliveryMessage, DeliveryRef, Endpoint, SigningSecret } from './model';
import {
  deliveryFailedEvent,
  emitOperational,
  endpointDisabledEvent,
  type OperationalDeps,
} from './operational';
import type {
  AttemptRecord,
  Clock,
  DeliveryQueues,
  DeliveryStore,
  EndpointStore,
  EventStore,
  HttpSender,
  SecretOpener,
} from './ports';
import type { Pacer } from './rate-limit';
import { type RetryPolicy, schedulePolicy } from './retry-policy';
import { openSigningSecrets } from './secrets';
import type { ServiceSettings } from './settings';

export { isSuccess } from './attempt';

export interface DelivererDeps {
  readonly store: Pick<DeliveryStore, 'recordAttempt' | 'failDelivery' | 'getDeliveryState'> &
    Pick<EventStore, 'getEvent'> &
    Pick<EndpointStore, 'getEndpoint' | 'updateEndpoint'>;
  /** The endpoint as the delivery path sees it (cached for a few seconds: `cachedEndpoints`). */
  readonly endpoints: EndpointLookup;
  /** Opens the endpoint's sealed signing secrets (data keys cached: no key-service call per attempt). */
  readonly secrets: SecretOpener;
  readonly queues: DeliveryQueues;
  readonly http: HttpSender;
  readonly clock: Clock;
  readonly settings: ServiceSettings;
  readonly random?: () => number;
  /** When to retry a failed attempt; the schedule policy of `settings.retry` when absent. */
  readonly retryPolicy?: RetryPolicy;
  /** Keeps each endpoint's `rateLimit` (rate-limit.ts); the delivery handler always passes one. */
  readonly pacer?: Pacer;
  /** Called once per attempt recorded; the handler turns it into logs and metrics. */
  readonly onAttempt?: (info: AttemptReport) => void;
  /** Where `endpoint.disabled` and `delivery.failed` go (the service always passes it). */
  readonly operational?: OperationalDeps;
  /** Called when an attempt's outcome disabled its endpoint (410 Gone, or failing too long). */
  readonly onDisabled?: (endpoint: Endpoint) => void;
}

export interface AttemptReport {
  readonly delivery: DeliveryRef;
  readonly attempt: Attempt;
  readonly outcome: 'succeeded' | 'retry_scheduled' | 'failed';
  readonly nextAttemptAt?: number;
}

export interface ReceivedMessage {
  readonly body: string;
  readonly receiptHandle: string;
  /** SQS's ApproximateReceiveCount: 1 the first time the message is handed out. */
  readonly receiveCount: number;
}

/** A strict-ordering message that comes back less than this early is treated as due. */
const DUE_TOLERANCE_MS = 1000;

/**
 * Handles one message of the delivery queue: makes the attempt it stands for, records it, and schedules
 * what comes next. Returns `retry` to leave the message (and the rest of its group) on the queue.
 *
 * A first attempt handed out for the first time is made with no read but the (cached) endpoint: it
 * carries the delivery, the attempt number and the body. A message seen before (a strict retry coming
 * back, a follower of a failed head, a copy), any retry, and any message of a delivery that already has a
 * record (`recorded`: a replay, recover or release, a ping, the sweeper's copy, of which copies can
 * exist) first reads its delivery's state, so a finished delivery or an attempt already made is not sent
 * again.
 *
 * Sequential endpoints: a failed attempt's retry is a new message through the retry queue and this one is
 * acknowledged, so the group moves on. Strict endpoints: the message itself is hidden until the retry is
 * due and reported failed, which holds the group until the delivery succeeds or is given up on.
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
    // Nothing can ever be made of it: dead-letter it with the reason rather than let redrive do it blind.
    await queues.deadLetter({ raw: received.body }, `unprocessable message: ${(error as Error).message}`);
    return 'ack';
  }
  const ref = refOf(message);

  // A retry (attempt past the round's first) is read first too, though new to the queue: a record write
  // that failed after its retry was queued brings the message back, and its second try queues a second
  // copy of the retry; the state tells the later copy its attempt was made (no duplicate POST).
  if (received.receiveCount > 1 || message.attempt > message.attemptOffset + 1 || message.recorded) {
    const state = await store.getDeliveryState(message.tenantId, message.deliveryId);
    if (state) {
      if (state.status !== 'pending') return 'ack';
      if (message.ordering === 'sequential') {
        if (message.attempt <= state.attemptCount) return 'ack';
      } else {
        // The strict message stays the same through every retry: the record says which attempt is next.
        message = {
          ...message,
          attempt: Math.max(message.attempt, state.attemptCount + 1),
          attemptOffset: state.attemptOffset ?? message.attemptOffset,
        };
        if (state.nextAttemptAt !== undefined && state.nextAttemptAt - clock.now() > DUE_TOLERANCE_MS) {
          await queues.holdUntil(received.receiptHandle, state.nextAttemptAt);
          return 'retry';
        }
      }
    }
  }

  const endpoint = await deps.endpoints(message.tenantId, message.endpointId);
  if (endpoint?.status !== 'enabled') {
    return giveUp(deps, message, ref, endpoint ? 'endpoint is disabled' : 'endpoint was deleted');
  }
  const body = message.body ?? (await store.getEvent(message.tenantId, message.eventId))?.body;
  if (body === undefined) return giveUp(deps, message, ref, 'the event is no longer stored');

  let secrets: SigningSecret[];
  try {
    secrets = await openSigningSecrets(deps.secrets, endpoint, clock.now());
  } catch (error) {
    // Retrying cannot help (a disabled key, an altered value): the owner must act, so say so and stop.
    // Anything else (the key service unavailable) is thrown: the message comes back and is tried again.
    if (!(error instanceof SecretUnreadableError)) throw error;
    return giveUp(deps, message, ref, `signing secret cannot be decrypted: ${error.message}`);
  }

  // A rate-limited endpoint: wait here, in its group, for its next slot (no attempt used, order kept).
  await deps.pacer?.beforeSend(endpoint.id, endpoint.rateLimit);
  const result = await makeAttempt(deps, {
    endpoint: { url: endpoint.url, headers: endpoint.headers, secrets },
    deliveryId: message.deliveryId,
    eventType: message.eventType,
    body,
    number: message.attempt,
  });
  return settle(deps, { message, ref, endpoint, receiptHandle: received.receiptHandle }, result);
}

/** Ends a delivery without an attempt: the DLQ gets the message with the reason, the record says why. */
async function giveUp(
  deps: DelivererDeps,
  message: DeliveryMessage,
  ref: DeliveryRef,
  reason: string,
): Promise<RecordOutcome> {
  await deps.queues.deadLetter(message, reason);
  if (await deps.store.failDelivery(ref, reason, message.attemptOffset))
    await reportFailed(deps, message, reason, message.attempt - 1);
  return 'ack';
}

/** `delivery.failed` for a delivery given up on (a test ping is nobody's delivery: none for it). */
async function reportFailed(deps: DelivererDeps, message: DeliveryMessage, reason: string, attempts: number) {
  if (!deps.operational || message.noRetry) return;
  await emitOperational(deps.operational, deliveryFailedEvent({ ...message, attempts }, reason, deps.clock));
}

/**
 * The endpoint's failure streak after an attempt (endpoint-health.ts), and `endpoint.disabled` when the
 * attempt disabled it. Bookkeeping only: a store error here is swallowed, and the next attempt's outcome
 * writes what this one could not (the streak's start or end, or the disable).
 */
async function noteHealth(deps: DelivererDeps, endpoint: Endpoint, succeeded: boolean, gone: boolean) {
  try {
    const disabled = gone
      ? await disableEndpoint(deps, endpoint.tenantId, endpoint.id, GONE_REASON)
      : await noteAttempt(deps, endpoint, succeeded);
    if (!disabled) return;
    deps.onDisabled?.(disabled);
    if (deps.operational) await emitOperational(deps.operational, endpointDisabledEvent(disabled));
  } catch {
    // See above: re-attempted on the endpoint's next outcome.
  }
}

async function settle(
  deps: DelivererDeps,
  ctx: { message: DeliveryMessage; ref: DeliveryRef; endpoint: Endpoint; receiptHandle: string },
  { attempt, outcome, finished }: AttemptResult,
): Promise<RecordOutcome> {
  const { store, queues, settings } = deps;
  const { message, ref } = ctx;
  const number = message.attempt;
  const offset = message.attemptOffset;
  const report = (r: Omit<AttemptReport, 'delivery' | 'attempt'>) =>
    deps.onAttempt?.({ delivery: ref, attempt, ...r });
  // A message of a delivery that has a record says so, and the store need not try to create one.
  const recordAttempt = (r: AttemptRecord) =>
    store.recordAttempt(ref, message.recorded ? { ...r, recorded: true } : r);

  if (isSuccess(outcome)) {
    if (await recordAttempt({ attempt, status: 'succeeded', attemptOffset: offset }))
      report({ outcome: 'succeeded' });
    if (!message.noRetry) await noteHealth(deps, ctx.endpoint, true, false);
    return 'ack';
  }

  // Standard Webhooks: 410 Gone means "stop": the endpoint is disabled at once and nothing is retried.
  // Disabled first, so a crash before the record can only repeat the attempt, never leave it enabled.
  // Any other failure extends the endpoint's streak, which disables it once it lasts long enough.
  const gone = outcome.kind === 'response' && outcome.response.status === 410;
  if (!message.noRetry || gone) await noteHealth(deps, ctx.endpoint, false, gone);

  // A target that resolves to a private address will not fix itself: its owner must change it.
  const blocked = outcome.kind === 'error' && outcome.errorClass === 'blocked_target';
  const delayMs =
    blocked || gone || message.noRetry
      ? undefined
      : (deps.retryPolicy ?? schedulePolicy(settings.retry, deps.random)).nextDelayMs({
          attempt: number - offset,
          outcome,
          finishedAt: finished,
        });

  if (delayMs === undefined) {
    const reason = blocked
      ? `target blocked: ${(outcome as { message: string }).message}`
      : gone
        ? GONE_REASON
        : message.noRetry
          ? 'test ping failed (pings are not retried)'
          : `gave up after ${number - offset} attempts`;
    // A failed test ping is only recorded: it is not a delivery anyone waits for, nor a page for on-call.
    if (!message.noRetry) await queues.deadLetter(message, reason);
    if (
      (await recordAttempt({
        attempt,
        status: 'failed',
        failureReason: reason,
        attemptOffset: offset,
      })) &&
      !message.noRetry
    ) {
      report({ outcome: 'failed' });
      await reportFailed(deps, message, reason, number);
    }
    return 'ack';
  }

  const nextAttemptAt = finished + delayMs;
  const record: AttemptRecord = {
    attempt,
    status: 'pending',
    nextAttemptAt,
    sweepAt: nextAttemptAt + settings.sweepGraceMs,
    attemptOffset: offset,
  };

  if (message.ordering === 'strict') {
    if (!(await recordAttempt(record))) return 'ack';
    report({ outcome: 'retry_scheduled', nextAttemptAt });
    await queues.holdUntil(ctx.receiptHandle, nextAttemptAt);
    return 'retry';
  }

  // Sequential: the retry message is sent before the record is written, so a crash in between can only
  // repeat the attempt (at-least-once), never lose the retry.
  await queues.delay({ ...message, attempt: number + 1, dueAt: nextAttemptAt });
  if (await recordAttempt(record)) report({ outcome: 'retry_scheduled', nextAttemptAt });
  return 'ack';
}

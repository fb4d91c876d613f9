import { PoisonMessageError } from './errors';
import type { Delivery, DeliveryMessage, Ordering } from './model';

/**
 * Reads a queue message body; anything else is a poison message. Checked by hand, not with zod: the shape
 * is ours and fixed, and leaving zod out keeps it out of the delivery, retry and sweeper bundles (about
 * 90 KB each). Fields it does not know are dropped.
 */
export function parseDeliveryMessage(body: string): DeliveryMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('message body is not JSON');
  }
  const bad = (field: string, rule: string): never => {
    throw new PoisonMessageError(`message body is not a delivery message: ${field} ${rule}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return bad('body', 'must be an object');
  const m = json as Record<string, unknown>;
  if (m.v !== 2) bad('v', 'must be 2');
  const text = (field: string): string => {
    const value = m[field];
    return typeof value === 'string' && value.length > 0 ? value : bad(field, 'must be a non-empty string');
  };
  const whole = (field: string, min: number): number => {
    const value = m[field];
    return typeof value === 'number' && Number.isInteger(value) && value >= min
      ? value
      : bad(field, `must be an integer of at least ${min}`);
  };
  const flag = (field: string): boolean | undefined => {
    const value = m[field];
    return value === undefined || typeof value === 'boolean' ? value : bad(field, 'must be a boolean');
  };
  const ordering = m.ordering;
  if (ordering !== 'sequential' && ordering !== 'strict') bad('ordering', 'must be sequential or strict');
  if (m.dueAt !== undefined && !(typeof m.dueAt === 'number' && Number.isInteger(m.dueAt)))
    bad('dueAt', 'must be an integer');
  if (m.body !== undefined && typeof m.body !== 'string') bad('body', 'must be a string');
  const noRetry = flag('noRetry');
  const recorded = flag('recorded');
  return {
    v: 2,
    deliveryId: text('deliveryId'),
    tenantId: text('tenantId'),
    eventId: text('eventId'),
    eventType: text('eventType'),
    endpointId: text('endpointId'),
    createdAt: text('createdAt'),
    attempt: whole('attempt', 1),
    attemptOffset: whole('attemptOffset', 0),
    round: whole('round', 0),
    ordering: ordering as Ordering,
    ...(m.replayOf !== undefined ? { replayOf: text('replayOf') } : {}),
    ...(m.dueAt !== undefined ? { dueAt: m.dueAt as number } : {}),
    ...(m.body !== undefined ? { body: m.body as string } : {}),
    ...(noRetry !== undefined ? { noRetry } : {}),
    ...(recorded !== undefined ? { recorded } : {}),
  };
}

/**
 * FIFO deduplication id: one per delivery, round and attempt. A resend of the same attempt within SQS's
 * 5-minute window is dropped; a recover (a new round) is never mistaken for an earlier send.
 */
export function deduplicationId(message: DeliveryMessage): string {
  return `${message.deliveryId}-${message.round}-${message.attempt}`;
}

/**
 * Bodies up to this size travel in the queue message (SQS takes 1 MiB a message and 1 MiB a batch; JSON
 * escaping can double a body). Larger ones are read from the event item, which then outlives the delivery.
 */
export const MAX_CARRIED_BODY_BYTES = 400 * 1024;

/**
 * The message for the next attempt of `delivery` (attempt `attemptCount + 1`), handled as `ordering` says.
 * Publish, replay, recover and the sweeper all queue deliveries with it.
 */
export function nextAttemptMessage(
  delivery: Pick<
    Delivery,
    'id' | 'tenantId' | 'eventId' | 'eventType' | 'endpointId' | 'createdAt' | 'attemptCount' | 'replayOf'
  > & { readonly attemptOffset?: number },
  ordering: Ordering,
  event: { readonly body: string } | undefined,
  round = 0,
): DeliveryMessage {
  return {
    v: 2,
    deliveryId: delivery.id,
    tenantId: delivery.tenantId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    endpointId: delivery.endpointId,
    createdAt: delivery.createdAt,
    attempt: delivery.attemptCount + 1,
    attemptOffset: delivery.attemptOffset ?? 0,
    round,
    ordering,
    ...(delivery.replayOf ? { replayOf: delivery.replayOf } : {}),
    ...(event && Buffer.byteLength(event.body, 'utf8') <= MAX_CARRIED_BODY_BYTES ? { body: event.body } : {}),
  };
}

/** The identity of the delivery a message stands for. */
export function refOf(message: DeliveryMessage) {
  return {
    id: message.deliveryId,
    tenantId: message.tenantId,
    eventId: message.eventId,
    eventType: message.eventType,
    endpointId: message.endpointId,
    createdAt: message.createdAt,
    ...(message.replayOf ? { replayOf: message.replayOf } : {}),
  };
}

import * as z from 'zod';
import { PoisonMessageError } from './errors';
import type { Delivery, DeliveryMessage, Ordering } from './model';

const DeliveryMessageSchema = z.object({
  v: z.literal(2),
  deliveryId: z.string().min(1),
  tenantId: z.string().min(1),
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  endpointId: z.string().min(1),
  createdAt: z.string().min(1),
  attempt: z.number().int().min(1),
  attemptOffset: z.number().int().min(0),
  round: z.number().int().min(0),
  ordering: z.enum(['sequential', 'strict']),
  replayOf: z.string().min(1).optional(),
  dueAt: z.number().int().optional(),
  body: z.string().optional(),
  noRetry: z.boolean().optional(),
  recorded: z.boolean().optional(),
});

/** Reads a queue message body; anything else is a poison message. */
export function parseDeliveryMessage(body: string): DeliveryMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('message body is not JSON');
  }
  const result = DeliveryMessageSchema.safeParse(json);
  if (!result.success)
    throw new PoisonMessageError(`message body is not a delivery message: ${result.error.message}`);
  return result.data as DeliveryMessage;
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

import * as z from 'zod';
import { PoisonMessageError } from './errors';
import type { Delivery, DeliveryMessage, Ordering } from './model';

const DeliveryMessageSchema = z.object({
  v: z.literal(1),
  deliveryId: z.string().min(1),
  tenantId: z.string().min(1),
  eventId: z.string().min(1),
  endpointId: z.string().min(1),
  attempt: z.number().int().min(1),
  ordering: z.enum(['sequential', 'strict']),
  dueAt: z.number().int().optional(),
  eventType: z.string().min(1).optional(),
  body: z.string().optional(),
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

/** FIFO deduplication id: one per delivery attempt, so a resend of the same attempt is dropped by SQS. */
export function deduplicationId(message: DeliveryMessage): string {
  return `${message.deliveryId}-${message.attempt}`;
}

/**
 * The message for the next attempt of `delivery` (attempt `attemptCount + 1`), handled as `ordering` says.
 * Publish, replay, recover and the sweeper all queue deliveries with it.
 */
export function nextAttemptMessage(
  delivery: Pick<Delivery, 'id' | 'tenantId' | 'eventId' | 'endpointId' | 'attemptCount'>,
  ordering: Ordering,
  event?: { readonly type: string; readonly body: string },
): DeliveryMessage {
  return {
    v: 1,
    deliveryId: delivery.id,
    tenantId: delivery.tenantId,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    attempt: delivery.attemptCount + 1,
    ordering,
    ...(event && Buffer.byteLength(event.body, 'utf8') <= MAX_CARRIED_BODY_BYTES
      ? { eventType: event.type, body: event.body }
      : {}),
  };
}

/**
 * Bodies up to this size travel in the queue message: with JSON escaping the message stays within one
 * 64 KB SQS billing chunk. Larger bodies are read from the event item on each attempt.
 */
export const MAX_CARRIED_BODY_BYTES = 32 * 1024;

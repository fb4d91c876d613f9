import * as z from 'zod';
import { PoisonMessageError } from './errors';
import type { DeliveryMessage } from './model';

const DeliveryMessageSchema = z.object({
  v: z.literal(1),
  deliveryId: z.string().min(1),
  tenantId: z.string().min(1),
  eventId: z.string().min(1),
  endpointId: z.string().min(1),
  attempt: z.number().int().min(1),
  ordering: z.enum(['sequential', 'strict']),
  dueAt: z.number().int().optional(),
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

import { z } from 'zod';

/** Ids the caller chooses: tenant ids and event ids. Printable, no separators we use in keys. */
const callerId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits, and _ . : -');

const eventType = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be dotted lowercase words, e.g. order.created');

/** `data` is a JSON object (not an array, not null). */
const dataObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'must be a JSON object' },
);

export const PublishEventSchema = z.strictObject({
  tenantId: callerId,
  type: eventType,
  data: dataObject,
  id: callerId.optional(),
});
export type PublishEventInput = z.infer<typeof PublishEventSchema>;

const httpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => URL.canParse(value), 'must be an absolute URL');

export const CreateEndpointSchema = z.strictObject({
  tenantId: callerId,
  url: httpUrl,
  events: z
    .array(z.union([z.literal('*'), eventType]))
    .min(1, 'must list at least one event type, or "*"')
    .max(100, 'must list at most 100 event types'),
  description: z.string().max(500, 'must be at most 500 characters').optional(),
  ordering: z.enum(['sequential', 'strict']).optional(),
});
export type CreateEndpointInput = z.infer<typeof CreateEndpointSchema>;

export const TenantQuerySchema = z.object({ tenantId: callerId });

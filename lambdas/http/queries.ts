/** The query strings of the owner API, as zod schemas (the bodies' schemas are the domain's inputs). */
import * as z from 'zod';
import { callerId, eventType } from '../domain/schemas';

export const TenantQuerySchema = z.object({ tenantId: callerId });

export const ListDeliveriesQuerySchema = z
  .object({
    tenantId: callerId,
    endpointId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an endpoint id')
      .optional(),
    eventId: callerId.optional(),
    status: z.enum(['pending', 'succeeded', 'failed', 'held']).optional(),
    eventType: eventType.optional(),
    since: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-11-20T00:00:00Z' })
      .optional(),
  })
  .refine((q) => q.endpointId === undefined || q.eventId === undefined, {
    message: 'give at most one of endpointId or eventId',
    path: ['endpointId'],
  })
  .refine((q) => q.endpointId !== undefined || q.eventId !== undefined || q.status !== undefined, {
    message: 'give endpointId, eventId, or status (pending or failed) to list a whole tenant',
    path: ['status'],
  });

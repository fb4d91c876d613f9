/**
 * What every success answer looks like, as zod schemas. The handlers pass each answer through its schema
 * (`shape`), which keeps exactly the fields listed here and drops anything else (internal fields such as
 * `sweepAt` or a secret list can never leak), and the OpenAPI document is generated from the same
 * schemas, so the contract and the answers cannot drift apart.
 */
import * as z from 'zod';

const isoTime = z.string().describe('ISO-8601 UTC time');

export const EndpointViewSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  status: z.enum(['enabled', 'disabled']),
  ordering: z.enum(['sequential', 'strict']),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Sent with every delivery; values of secret-looking names are masked'),
  filter: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('EventBridge-style content pattern over the event data'),
  rateLimit: z
    .number()
    .int()
    .optional()
    .describe('Most deliveries per second; throttled deliveries wait in order'),
  disabledAt: isoTime.optional(),
  disabledReason: z.string().optional(),
  failingSince: isoTime
    .optional()
    .describe(
      'Start of an unbroken streak of failed attempts (any success clears it); the endpoint is disabled once it lasts ENDPOINT_DISABLE_AFTER',
    ),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const CreatedEndpointSchema = EndpointViewSchema.extend({
  secret: z.string().describe('The signing secret, shown here and on rotation only'),
});

function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    cursor: z.string().optional().describe('Pass back as ?cursor= for the next page; absent on the last'),
  });
}

export const EndpointPageSchema = pageOf(EndpointViewSchema);

export const EventTypesSchema = z.object({
  items: z.array(z.object({ type: z.string(), description: z.string() })),
});

export const PublishResultSchema = z.object({
  id: z.string(),
  deliveries: z.array(z.object({ id: z.string(), endpointId: z.string() })),
});

export const RotateResultSchema = z.object({
  secret: z.string(),
  previousExpiresAt: isoTime.describe('When the previous secrets stop signing (now for expireAllPrevious)'),
});

/** A string, not an enum: a class added later must not turn a read of the log into a 500. */
const errorClass = z.string().describe('timeout, dns, connection, tls, http_status or blocked_target');

export const TestQueuedSchema = z.object({
  deliveryId: z
    .string()
    .describe('The ping delivery: GET /v1/deliveries/{deliveryId} shows it and its outcome'),
  eventId: z.string(),
});

/** One event's result in a batch publish: published (202, or 200 for an id seen before), or refused. */
export const BatchPublishResultSchema = z.object({
  results: z.array(
    z.union([
      z.object({
        status: z.union([z.literal(202), z.literal(200)]),
        id: z.string(),
        deliveries: z.array(z.object({ id: z.string(), endpointId: z.string() })),
      }),
      z.object({
        status: z.number().int(),
        error: z.object({
          code: z.string(),
          message: z.string(),
          fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
        }),
      }),
    ]),
  ),
});

export const RecoverResultSchema = z.object({ requeued: z.number().int() });

export const ReplayResultSchema = z.object({ id: z.string() });

const deliveryFields = {
  id: z.string(),
  tenantId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  endpointId: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'held']),
  attemptCount: z.number().int(),
  nextAttemptAt: z.number().int().optional().describe('Epoch ms the next attempt is due, while pending'),
  createdAt: isoTime,
  updatedAt: isoTime,
  failureReason: z.string().optional(),
  replayOf: z.string().optional().describe('For a replay: the delivery it replays'),
};

export const DeliverySummarySchema = z.object({
  ...deliveryFields,
  lastAttempt: z
    .object({
      startedAt: isoTime,
      responseStatus: z.number().int().optional(),
      errorClass: errorClass.optional(),
    })
    .optional(),
});

export const DeliveryPageSchema = pageOf(DeliverySummarySchema);

export const AttemptSchema = z.object({
  number: z.number().int(),
  startedAt: isoTime,
  durationMs: z.number(),
  requestHeaders: z.record(z.string(), z.string()).optional().describe('As sent, signature masked'),
  responseStatus: z.number().int().optional(),
  responseBody: z.string().optional().describe('The first 4 KB of the response body'),
  errorClass: errorClass.optional(),
  errorMessage: z.string().optional(),
});

export const DeliveryDetailSchema = z.object({
  ...deliveryFields,
  attempts: z.array(AttemptSchema),
  request: z.object({
    method: z.string().describe('Always POST'),
    url: z.string().nullable(),
    headers: z
      .record(z.string(), z.string())
      .nullable()
      .describe('As the last attempt sent them, signature masked; null before the first attempt'),
    body: z.string().nullable().describe('The exact bytes sent, as UTF-8'),
  }),
});

export const HealthSchema = z.object({
  status: z.literal('ok'),
  queues: z.record(
    z.string(),
    z.object({ visible: z.number().int(), inFlight: z.number().int(), delayed: z.number().int() }),
  ),
});

/** `T` with every array and object read-only, as the domain returns them. */
type ReadonlyDeep<T> = T extends (infer U)[]
  ? readonly ReadonlyDeep<U>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
    : T;

/**
 * Keeps exactly the fields `schema` lists. The domain's answer type must fit the schema (a compile error
 * otherwise); a value that still does not (a bug) throws, which the handler logs and answers 500.
 */
export function shape<S extends z.ZodType>(schema: S, value: ReadonlyDeep<z.input<S>>): z.output<S> {
  return schema.parse(value);
}

export const PortalTokenSchema = z.object({
  token: z.string().describe('Send as Authorization: Bearer <token> to /portal/v1/...'),
  url: z
    .string()
    .describe('The portal page, signed in with this token (in the fragment, never sent to a server)'),
  expiresAt: isoTime,
  tenantId: z.string().describe('The tenant it acts for, or * (operator: every tenant)'),
});

export const PortalSessionSchema = z.object({
  tenantId: z.string().describe('The token tenant, or * for an operator token'),
  operator: z.boolean(),
  expiresAt: isoTime,
  brandName: z.string(),
});

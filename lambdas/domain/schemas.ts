import * as z from 'zod';
import { HEADER_NAME, HEADER_VALUE, MAX_CUSTOM_HEADER_BYTES, MAX_CUSTOM_HEADERS } from './custom-headers';

/** Ids the caller chooses: tenant ids and event ids. Printable, no separators we use in keys. */
export const callerId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits, and _ . : -');

export const eventType = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be dotted lowercase words, e.g. order.created');

/** Deeper than this, serializing the envelope would exhaust the stack; no real event nests so deep. */
export const MAX_DATA_DEPTH = 256;

/** True when `value` nests objects or arrays deeper than `limit` (iterative: safe at any depth). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (typeof current === 'object' && current !== null) {
      for (const child of Object.values(current)) {
        if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

/**
 * `data` is a JSON object (not an array, not null), passed through exactly as parsed: a record schema
 * would rebuild it and lose keys such as `__proto__`, and receivers must get what the producer sent.
 */
const dataObject = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a JSON object'),
    },
  )
  .refine(
    (value) => !nestsDeeperThan(value, MAX_DATA_DEPTH),
    `must not nest deeper than ${MAX_DATA_DEPTH} levels`,
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

/** Custom request headers: shape only here; names we own are refused in custom-headers.ts. */
const customHeaders = z
  .record(
    z
      .string()
      .regex(
        HEADER_NAME,
        "header names may contain only token characters (letters, digits, !#$%&'*+.^_`|~-)",
      ),
    z.string().regex(HEADER_VALUE, 'header values must not contain CR, LF or NUL'),
  )
  .refine(
    (h) => Object.keys(h).length <= MAX_CUSTOM_HEADERS,
    `must have at most ${MAX_CUSTOM_HEADERS} headers`,
  )
  .refine(
    (h) =>
      Object.entries(h).reduce((n, [k, v]) => n + Buffer.byteLength(k + v, 'utf8'), 0) <=
      MAX_CUSTOM_HEADER_BYTES,
    `names and values must be at most ${MAX_CUSTOM_HEADER_BYTES} bytes in all`,
  )
  .describe(
    'Extra request headers sent with every delivery (at most 20, 4 KB in all). Refused: Host, Content-Length, ' +
      "Content-Type, User-Agent, the service's signature/event/delivery headers, webhook-*, X-Amz*. Values of " +
      'Authorization, *-Key, *-Token, *-Secret are masked in reads and in the deliveries log.',
  );
/** A content pattern; checked in detail (with the failing part named) by filter.ts `parseFilter`. */
const filterPattern = z
  .unknown()
  .describe(
    'EventBridge-style content pattern over the event data (exact values, prefix, suffix, numeric, exists, ' +
      'anything-but; see docs/api.md). Only events whose data match are delivered to the endpoint. PATCH null removes it.',
  );

/** Deliveries per second: throttled deliveries wait in the endpoint's group, in order. */
const rateLimit = z
  .number('must be a number of deliveries per second')
  .int('must be a whole number of deliveries per second')
  .min(1, 'must be at least 1 delivery per second')
  .max(1000, 'must be at most 1000 deliveries per second');

export const CreateEndpointSchema = z.strictObject({
  tenantId: callerId,
  url: httpUrl,
  events: z
    .array(z.union([z.literal('*'), eventType]))
    .min(1, 'must list at least one event type, or "*"')
    .max(100, 'must list at most 100 event types'),
  description: z.string().max(500, 'must be at most 500 characters').optional(),
  ordering: z.enum(['sequential', 'strict']).optional(),
  headers: customHeaders.optional(),
  filter: filterPattern.optional(),
  rateLimit: rateLimit.optional(),
});

/** A merchant-chosen secret (Yonne lets the merchant pick one): long enough to resist guessing. */
const chosenSecret = z
  .string()
  .min(24, 'must be at least 24 characters')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const CreateEndpointWithSecretSchema = CreateEndpointSchema.extend({
  secret: chosenSecret.optional(),
});
export type CreateEndpointWithSecretInput = z.infer<typeof CreateEndpointWithSecretSchema>;

export const UpdateEndpointSchema = z
  .strictObject({
    url: httpUrl.optional(),
    events: CreateEndpointSchema.shape.events.optional(),
    description: z.string().max(500, 'must be at most 500 characters').optional(),
    status: z.enum(['enabled', 'disabled']).optional(),
    ordering: z.enum(['sequential', 'strict']).optional(),
    /** `{}` removes every custom header. */
    headers: customHeaders.optional(),
    /** `null` removes the filter. */
    filter: filterPattern.optional(),
    /** `null` removes the limit. */
    rateLimit: rateLimit.nullable().optional(),
  })
  .refine(
    (v) => Object.keys(v).length > 0,
    'must change at least one of url, events, description, status, ordering, headers, filter, rateLimit',
  );
export type UpdateEndpointInput = z.infer<typeof UpdateEndpointSchema>;

/**
 * Svix-style grace period: default one day, at most seven. `expireAllPrevious` retires every older secret
 * at once (after a leak), the current one and those still in their grace alike.
 */
export const RotateSecretSchema = z
  .strictObject({
    expireCurrentInSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(0, 'must be at least 0')
      .max(604_800, 'must be at most 604800 (7 days)')
      .optional(),
    expireAllPrevious: z.boolean().optional(),
  })
  .refine((v) => !(v.expireAllPrevious === true && (v.expireCurrentInSeconds ?? 0) > 0), {
    message: 'must be absent or 0 when expireAllPrevious is true (every previous secret stops at once)',
    path: ['expireCurrentInSeconds'],
  });
export type RotateSecretInput = z.infer<typeof RotateSecretSchema>;

export const RecoverSchema = z.strictObject({
  since: z.iso.datetime({
    offset: true,
    message: 'must be an ISO-8601 date-time, e.g. 2026-11-20T00:00:00Z',
  }),
});

/** `POST /v1/portal-tokens`: a tenant's token, or `"*"` for the operator's (every tenant). */
export const CreatePortalTokenSchema = z.strictObject({
  tenantId: z.union([z.literal('*'), callerId]),
  ttlSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(60, 'must be at least 60')
    .max(86_400, 'must be at most 86400 (24 hours)')
    .optional(),
});

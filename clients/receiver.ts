/**
 * Verifying webhooks on the receiving side. Standalone: depends on `node:crypto` only, so a receiver can
 * copy this file or import it without pulling in the service.
 *
 * Two schemes, matching how the service signs (one per deployment):
 * - {@link verify}: `YumKiosk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `"<t>.<raw body>"`,
 *   keyed with the secret's UTF-8 bytes. While a secret is rotated the header carries one `v1=` per valid
 *   secret; any of them matching is enough.
 * - {@link verifyStandardWebhook}: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`
 *   (space-separated when several) over `"<id>.<t>.<raw body>"`, keyed with the bytes of the base64 after
 *   `whsec_` (standardwebhooks.com).
 *
 * Both take the body exactly as received. Parse JSON only after verifying: re-serializing a parsed body
 * changes its bytes and the signature no longer matches.
 *
 * @example Express: keep the raw body, verify, then parse
 * ```ts
 * import express from 'express';
 * import { verify } from './clients/receiver';
 *
 * const app = express();
 * app.post('/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   if (!verify(req.body, req.headers, process.env.WEBHOOK_SECRET!)) return res.sendStatus(400);
 *   const event = JSON.parse(req.body.toString('utf8'));
 *   res.sendStatus(200); // acknowledge first, do the slow work afterwards
 *   void handle(event);
 * });
 * ```
 *
 * @example AWS Lambda behind an HTTP API or a function URL
 * ```ts
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda';
 * import { verify } from './clients/receiver';
 *
 * export const handler = async (event: APIGatewayProxyEventV2) => {
 *   const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : (event.body ?? '');
 *   if (!verify(raw, event.headers, process.env.WEBHOOK_SECRET!)) return { statusCode: 400 };
 *   const payload = JSON.parse(raw.toString());
 *   // ...
 *   return { statusCode: 200 };
 * };
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A body as received: the raw bytes, or the string they decode to as UTF-8. */
export type RawBody = string | Buffer | Uint8Array;

/** Node's `IncomingHttpHeaders`, API Gateway's `event.headers`, a plain object, or a Fetch `Headers`. */
export type HeaderSource = Record<string, string | string[] | undefined> | Headers;

export interface VerifyOptions {
  /** Largest accepted difference, in seconds, between the signature's timestamp and now. @default 300 */
  readonly toleranceSeconds?: number;
  /** The clock, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

export interface YumKioskVerifyOptions extends VerifyOptions {
  /** Brand in the header name `<brand>-Signature` (the service's `HEADER_BRAND`). @default 'YumKiosk' */
  readonly brand?: string;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const UNSIGNED_INTEGER = /^\d{1,15}$/;
const HEX = /^[0-9a-f]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * True when `headers` carry a `<brand>-Signature` whose timestamp is within tolerance and one of whose
 * `v1=` values is the HMAC of `"<t>.<rawBody>"` under `secret`. Returns false, never throws, for anything
 * missing or malformed: no header, no `t=` or more than one, a `t` that is not a whole number, no `v1=`, a
 * `v1=` that is not lowercase hex, an empty secret.
 */
export function verify(
  rawBody: RawBody,
  headers: HeaderSource,
  secret: string,
  options: YumKioskVerifyOptions = {},
): boolean {
  try {
    if (typeof secret !== 'string' || secret.length === 0) return false;
    const header = headerValue(headers, `${options.brand ?? 'YumKiosk'}-Signature`);
    if (header === undefined) return false;
    const parsed = parseSignatureHeader(header);
    if (!parsed) return false;
    // Seconds as a fraction, like the documented receiver's `abs(time.time() - t) > tolerance`.
    const nowSeconds = (options.now ?? Date.now)() / 1000;
    if (!withinTolerance(nowSeconds, parsed.timestamp, options.toleranceSeconds)) return false;
    const expected = Buffer.from(
      createHmac('sha256', Buffer.from(secret, 'utf8'))
        .update(`${parsed.timestamp}.`, 'utf8')
        .update(bodyBytes(rawBody))
        .digest('hex'),
      'ascii',
    );
    // Every candidate is compared (no early exit), so timing does not reveal which one matched.
    let matched = false;
    for (const candidate of parsed.signatures) {
      if (constantTimeEqual(expected, Buffer.from(candidate, 'ascii'))) matched = true;
    }
    return matched;
  } catch {
    return false;
  }
}

/**
 * True when the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) carry,
 * within tolerance, a `v1,<base64>` signature of `"<id>.<timestamp>.<rawBody>"` under `secret`
 * (`whsec_<base64>`; the prefix is optional, as in the reference verifier). Returns false, never throws.
 */
export function verifyStandardWebhook(
  rawBody: RawBody,
  headers: HeaderSource,
  secret: string,
  options: VerifyOptions = {},
): boolean {
  try {
    const key = standardWebhooksKey(secret);
    if (!key) return false;
    const id = headerValue(headers, 'webhook-id');
    const timestampText = headerValue(headers, 'webhook-timestamp');
    const signatures = headerValue(headers, 'webhook-signature');
    if (!id || !timestampText || !signatures) return false;
    if (!UNSIGNED_INTEGER.test(timestampText)) return false;
    const timestamp = Number(timestampText);
    // Whole seconds, as the reference verifier counts them.
    const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
    if (!withinTolerance(nowSeconds, timestamp, options.toleranceSeconds)) return false;
    const expected = Buffer.from(
      createHmac('sha256', key)
        .update(`${id}.${timestamp}.`, 'utf8')
        .update(bodyBytes(rawBody))
        .digest('base64'),
      'ascii',
    );
    let matched = false;
    for (const entry of signatures.split(' ')) {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
      if (constantTimeEqual(expected, Buffer.from(entry.slice(comma + 1), 'utf8'))) matched = true;
    }
    return matched;
  } catch {
    return false;
  }
}

interface ParsedSignature {
  readonly timestamp: number;
  readonly signatures: readonly string[];
}

/** `t=<digits>` exactly once, at least one `v1=<hex>`, other `key=value` pairs ignored; else undefined. */
function parseSignatureHeader(header: string): ParsedSignature | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 't') {
      if (timestamp !== undefined || !UNSIGNED_INTEGER.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX.test(value)) return undefined;
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

function withinTolerance(
  nowSeconds: number,
  timestamp: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
) {
  // `!(x >= 0)` also refuses NaN, which would otherwise make every comparison below false, i.e. accept.
  if (!(toleranceSeconds >= 0) || !Number.isFinite(nowSeconds)) return false;
  return Math.abs(nowSeconds - timestamp) <= toleranceSeconds;
}

/** The one value of header `name`, matched case-insensitively; undefined if absent, empty or repeated. */
function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    return headers.get(name) || undefined;
  }
  const wanted = name.toLowerCase();
  let found: string | string[] | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    found = value;
    count++;
  }
  if (count !== 1) return undefined;
  if (Array.isArray(found))
    return found.length === 1 && typeof found[0] === 'string' ? found[0] || undefined : undefined;
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function bodyBytes(rawBody: RawBody): Uint8Array {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (rawBody instanceof Uint8Array) return rawBody;
  throw new TypeError('rawBody must be a string, Buffer or Uint8Array');
}

function standardWebhooksKey(secret: string): Buffer | undefined {
  if (typeof secret !== 'string') return undefined;
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

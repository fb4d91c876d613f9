import { createHmac } from 'node:crypto';
import type { SigningSecret } from './model';
import { signatureHeaderValue } from './signature';

/**
 * How requests are signed, chosen per deployment:
 * - `yumkiosk`: `<Brand>-Signature: t=<unix>,v1=<hex HMAC(secret UTF-8, "<t>.<body>")>` (Stripe style);
 * - `standard-webhooks`: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC>` over
 *   `"<id>.<t>.<body>"`, keyed with the base64-decoded part of `whsec_...` (standardwebhooks.com).
 */
export type SignatureScheme = 'yumkiosk' | 'standard-webhooks';

/** Secrets that still sign at `now`: expiring ones first, the current one last. */
export function activeSecrets(secrets: readonly SigningSecret[], now: number): string[] {
  const live = secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
  const expiring = live.filter((s) => s.expiresAt !== undefined).sort((a, b) => a.expiresAt! - b.expiresAt!);
  const current = live.filter((s) => s.expiresAt === undefined);
  return [...expiring, ...current].map((s) => s.secret);
}

const STANDARD_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** True when `secret` is `whsec_` + base64 of 24 to 64 bytes, the form Standard Webhooks verifiers decode. */
export function isStandardWebhooksSecret(secret: string): boolean {
  const match = STANDARD_SECRET.exec(secret);
  if (!match) return false;
  const bytes = Buffer.from(match[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/** Standard Webhooks signature of one secret: `v1,<base64>`. */
export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const match = STANDARD_SECRET.exec(secret);
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** The headers of one delivery attempt, signed at `now`. */
export function deliveryHeaders(input: {
  scheme?: SignatureScheme | undefined;
  brand: string;
  body: string;
  eventType: string;
  deliveryId: string;
  secrets: readonly SigningSecret[];
  now: number;
  /** The endpoint's custom headers (names already checked not to be ours); ours are set after them. */
  custom?: Readonly<Record<string, string>> | undefined;
}): Record<string, string> {
  const timestamp = Math.floor(input.now / 1000);
  const secrets = activeSecrets(input.secrets, input.now);
  const common = {
    ...input.custom,
    'Content-Type': 'application/json',
    [`${input.brand}-Event`]: input.eventType,
    'User-Agent': `${input.brand}-Webhook/1.0`,
  };
  if (input.scheme === 'standard-webhooks') {
    return {
      ...common,
      'webhook-id': input.deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': secrets
        .map((s) => standardSignature(s, input.deliveryId, timestamp, input.body))
        .join(' '),
    };
  }
  return {
    ...common,
    [`${input.brand}-Signature`]: signatureHeaderValue(secrets, timestamp, input.body),
    [`${input.brand}-Delivery`]: input.deliveryId,
  };
}

/** The same headers with signatures masked, for the deliveries log. */
export function redactSignature(headers: Record<string, string>, brand: string): Record<string, string> {
  const out = { ...headers };
  const yum = `${brand}-Signature`;
  if (out[yum] !== undefined) out[yum] = out[yum].replace(/v1=[0-9a-f]+/g, 'v1=…');
  if (out['webhook-signature'] !== undefined)
    out['webhook-signature'] = out['webhook-signature'].replace(/v1,[^ ]+/g, 'v1,…');
  return out;
}

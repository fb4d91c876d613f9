import { createHmac } from 'node:crypto';
import type { SigningScheme } from './scheme';

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>` over `"<id>.<t>.<body>"`, keyed with the base64-decoded part
 * of `whsec_...`; one `v1,` per valid secret, space-separated.
 */
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

export const standardWebhooks: SigningScheme = {
  summary: '`webhook-id`, `webhook-timestamp`, `webhook-signature`',
  sign: ({ body, deliveryId, secrets, timestamp }) => ({
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => standardSignature(s, deliveryId, timestamp, body)).join(' '),
  }),
  redact(headers) {
    const value = headers['webhook-signature'];
    return value === undefined
      ? headers
      : { ...headers, 'webhook-signature': value.replace(/v1,[^ ]+/g, 'v1,…') };
  },
  reserves: (lowerName) =>
    lowerName.startsWith('webhook-') ? 'webhook-* headers are reserved (Standard Webhooks)' : undefined,
  checkSecret: (secret) =>
    isStandardWebhooksSecret(secret)
      ? undefined
      : 'must be whsec_ followed by base64 of 24 to 64 bytes (Standard Webhooks scheme)',
};

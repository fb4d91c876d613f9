import { createHmac } from 'node:crypto';

/**
 * The default signing scheme (YumKiosk / Stripe style):
 * `<Brand>-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret UTF-8 bytes, "<t>.<raw body>")>`.
 * One `v1=` per valid secret; the newest secret is written last (see docs/decisions.md, "Signature order").
 */
export function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${timestamp}.${body}`, 'utf8')
    .digest('hex');
}

export function signatureHeaderValue(secrets: readonly string[], timestamp: number, body: string): string {
  if (secrets.length === 0) throw new Error('at least one signing secret is required');
  const parts = [`t=${timestamp}`];
  for (const secret of secrets) parts.push(`v1=${hmacHex(secret, timestamp, body)}`);
  return parts.join(',');
}

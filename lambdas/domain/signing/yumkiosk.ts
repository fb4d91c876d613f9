import { createHmac } from 'node:crypto';
import type { SigningScheme } from './scheme';

/**
 * The default scheme (YumKiosk / Stripe style):
 * `<Brand>-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret UTF-8 bytes, "<t>.<raw body>")>`, one
 * `v1=` per valid secret, the newest last (docs/decisions.md, "Signature order"); `<Brand>-Delivery`
 * carries the delivery id.
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

export const yumkiosk: SigningScheme = {
  summary: '`<Brand>-Signature: t=...,v1=...` and `<Brand>-Delivery`',
  sign: ({ brand, body, deliveryId, secrets, timestamp }) => ({
    [`${brand}-Signature`]: signatureHeaderValue(secrets, timestamp, body),
    [`${brand}-Delivery`]: deliveryId,
  }),
  redact(headers, brand) {
    const name = `${brand}-Signature`;
    const value = headers[name];
    return value === undefined ? headers : { ...headers, [name]: value.replace(/v1=[0-9a-f]+/g, 'v1=…') };
  },
  reserves(lowerName, brand) {
    const b = brand.toLowerCase();
    return lowerName === `${b}-signature` || lowerName === `${b}-delivery`
      ? 'is set by the service and cannot be overridden'
      : undefined;
  },
};

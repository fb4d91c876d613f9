import type { SigningSecret } from './model';
import { signatureHeaderValue } from './signature';

/** Secrets that still sign at `now`: expiring ones first, the current one last. */
export function activeSecrets(secrets: readonly SigningSecret[], now: number): string[] {
  const live = secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
  const expiring = live.filter((s) => s.expiresAt !== undefined).sort((a, b) => a.expiresAt! - b.expiresAt!);
  const current = live.filter((s) => s.expiresAt === undefined);
  return [...expiring, ...current].map((s) => s.secret);
}

/** The headers of one delivery attempt, signed at `now`. */
export function deliveryHeaders(input: {
  brand: string;
  body: string;
  eventType: string;
  deliveryId: string;
  secrets: readonly SigningSecret[];
  now: number;
}): Record<string, string> {
  const timestamp = Math.floor(input.now / 1000);
  return {
    'Content-Type': 'application/json',
    [`${input.brand}-Signature`]: signatureHeaderValue(
      activeSecrets(input.secrets, input.now),
      timestamp,
      input.body,
    ),
    [`${input.brand}-Event`]: input.eventType,
    [`${input.brand}-Delivery`]: input.deliveryId,
    'User-Agent': `${input.brand}-Webhook/1.0`,
  };
}

/** The same headers with signatures masked, for the deliveries log. */
export function redactSignature(headers: Record<string, string>, brand: string): Record<string, string> {
  const name = `${brand}-Signature`;
  const value = headers[name];
  if (value === undefined) return headers;
  return { ...headers, [name]: value.replace(/v1=[0-9a-f]+/g, 'v1=…') };
}

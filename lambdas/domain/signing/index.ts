/**
 * The signing schemes, by the name `SIGNATURE_SCHEME` takes. To add one: a file in this folder that
 * exports a `SigningScheme`, and a line here. The setting's allowed values, the README's help for it, the
 * header names endpoints may not set, the log's masking and the check of an owner's own secret all come
 * from this table.
 */
import type { SigningSecret } from '../model';
import type { SigningScheme } from './scheme';
import { standardWebhooks } from './standard-webhooks';
import { yumkiosk } from './yumkiosk';

export type { SignInput, SigningScheme } from './scheme';

export const SIGNING_SCHEMES = {
  yumkiosk,
  'standard-webhooks': standardWebhooks,
} as const satisfies Record<string, SigningScheme>;

export type SignatureScheme = keyof typeof SIGNING_SCHEMES;

/** The scheme names, the default first. */
export const SCHEME_NAMES = Object.keys(SIGNING_SCHEMES) as [SignatureScheme, ...SignatureScheme[]];

export function schemeOf(name: SignatureScheme | undefined): SigningScheme {
  return SIGNING_SCHEMES[name ?? 'yumkiosk'];
}

/** Secrets that still sign at `now`: expiring ones first, the current one last. */
export function activeSecrets(secrets: readonly SigningSecret[], now: number): string[] {
  const live = secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
  const expiring = live.filter((s) => s.expiresAt !== undefined).sort((a, b) => a.expiresAt! - b.expiresAt!);
  const current = live.filter((s) => s.expiresAt === undefined);
  return [...expiring, ...current].map((s) => s.secret);
}

/** The headers of one delivery attempt, signed at `now` with the deployment's scheme. */
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
  return {
    ...input.custom,
    'Content-Type': 'application/json',
    [`${input.brand}-Event`]: input.eventType,
    'User-Agent': `${input.brand}-Webhook/1.0`,
    ...schemeOf(input.scheme).sign({
      brand: input.brand,
      body: input.body,
      deliveryId: input.deliveryId,
      secrets: activeSecrets(input.secrets, input.now),
      timestamp: Math.floor(input.now / 1000),
    }),
  };
}

/** The headers with every scheme's signatures masked, for the deliveries log. */
export function redactSignature(headers: Record<string, string>, brand: string): Record<string, string> {
  return Object.values(SIGNING_SCHEMES).reduce<Record<string, string>>(
    (out, scheme) => scheme.redact(out, brand),
    { ...headers },
  );
}

/**
 * Why a custom header name is a signing scheme's (any scheme's, so switching schemes cannot make an
 * endpoint's own header collide), or undefined.
 */
export function reservedBySigning(name: string, brand: string): string | undefined {
  const lower = name.toLowerCase();
  for (const scheme of Object.values(SIGNING_SCHEMES)) {
    const reason = scheme.reserves(lower, brand);
    if (reason) return reason;
  }
  return undefined;
}

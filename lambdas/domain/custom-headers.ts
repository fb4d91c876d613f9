import { ValidationError } from './errors';
import { reservedBySigning } from './signing';

/** At most this many custom headers per endpoint, and this many bytes of names and values in all. */
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_CUSTOM_HEADER_BYTES = 4096;

/** RFC 9110 token characters: what a header name may be made of. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, spaces and tabs, and non-ASCII text; never CR, LF or NUL (header injection). */
export const HEADER_VALUE = /^[^\r\n\0]*$/;

/** Names (lower case) the service sets on every delivery, whatever the scheme: never overridable. */
function ownedNames(brand: string): Set<string> {
  const b = brand.toLowerCase();
  return new Set([
    'host',
    'content-length',
    'content-type',
    'user-agent',
    'transfer-encoding',
    'connection',
    `${b}-event`,
  ]);
}

/** Why `name` is ours (so not settable by an endpoint's owner), or undefined when it is free to use. */
export function reservedHeaderReason(name: string, brand: string): string | undefined {
  const lower = name.toLowerCase();
  if (ownedNames(brand).has(lower)) return `${name} is set by the service and cannot be overridden`;
  const signing = reservedBySigning(name, brand);
  if (signing) return signing.startsWith('is ') ? `${name} ${signing}` : `${name}: ${signing}`;
  if (lower.startsWith('x-amz')) return `${name}: X-Amz* headers are reserved`;
  return undefined;
}

/**
 * Checks an endpoint's custom headers beyond their shape (which the schema checks): none of ours, no
 * name given twice in different cases. Throws a 422 naming the header.
 */
export function checkCustomHeaders(
  headers: Record<string, string>,
  settings: { readonly brand: string },
): Record<string, string> {
  const seen = new Set<string>();
  for (const name of Object.keys(headers)) {
    const reason = reservedHeaderReason(name, settings.brand);
    if (reason) throw ValidationError.of(`headers.${name}`, reason);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw ValidationError.of(`headers.${name}`, `${name} is given twice`);
    seen.add(lower);
  }
  return { ...headers };
}

/** True for names that suggest a secret: `Authorization`, `*-Key`, `*-Token`, `*-Secret` (any case). */
export function isSecretLooking(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower === 'authorization' ||
    lower === 'proxy-authorization' ||
    lower.endsWith('-key') ||
    lower.endsWith('-token') ||
    lower.endsWith('-secret')
  );
}

export const MASKED = '********';

/** The same headers, values of secret-looking names replaced by a mask (for reads and the log). */
export function maskSecretHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecretLooking(name) ? MASKED : value;
  return out;
}

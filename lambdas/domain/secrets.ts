/**
 * Signing secrets at rest: the owner API seals each one before it is stored, bound to its tenant and
 * endpoint; the delivery path opens the ones it signs with. Records written before sealing existed keep
 * a clear `secret`: it still signs, and the next write of the endpoint through the API seals it.
 */
import type { Endpoint, SigningSecret, StoredSecret } from './model';
import type { SecretBinding, SecretOpener, SecretSealer } from './ports';

export function bindingOf(endpoint: Pick<Endpoint, 'tenantId' | 'id'>): SecretBinding {
  return { tenantId: endpoint.tenantId, endpointId: endpoint.id };
}

/** True for a secret still stored in clear (written before secrets were sealed). */
export function isLegacySecret(stored: StoredSecret): stored is Extract<StoredSecret, { secret: string }> {
  return 'secret' in stored && typeof stored.secret === 'string';
}

export async function sealSecret(
  sealer: SecretSealer,
  binding: SecretBinding,
  secret: string,
  expiresAt?: number,
): Promise<StoredSecret> {
  const sealed = await sealer.seal(secret, binding);
  return expiresAt === undefined ? { sealed } : { sealed, expiresAt };
}

/** The stored secrets with every clear one sealed (the migration: done on each write through the API). */
export async function sealLegacySecrets(
  sealer: SecretSealer,
  binding: SecretBinding,
  secrets: readonly StoredSecret[],
): Promise<StoredSecret[]> {
  return Promise.all(
    secrets.map((s) => (isLegacySecret(s) ? sealSecret(sealer, binding, s.secret, s.expiresAt) : s)),
  );
}

/**
 * The secrets that sign at `now`, opened. Expired ones are skipped unopened (they may still sit in the
 * record until the next rotation). Throws what the opener throws (SecretUnreadableError when one of them
 * can never be opened).
 */
export async function openSigningSecrets(
  opener: SecretOpener,
  endpoint: Pick<Endpoint, 'tenantId' | 'id' | 'secrets'>,
  now: number,
): Promise<SigningSecret[]> {
  const binding = bindingOf(endpoint);
  const live = endpoint.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
  return Promise.all(
    live.map(async (s) => {
      const secret = isLegacySecret(s) ? s.secret : await opener.open(s.sealed, binding);
      return s.expiresAt === undefined ? { secret } : { secret, expiresAt: s.expiresAt };
    }),
  );
}

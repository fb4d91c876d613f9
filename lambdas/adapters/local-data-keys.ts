/**
 * Data keys wrapped by a local 256-bit key (AES-256-GCM) instead of KMS: the local runtime (its key is a
 * 0600 file in the data directory) and the tests (a fixed key) seal and open secrets through exactly the
 * code and format the functions use on AWS (`EnvelopeSecrets`); only the keeper differs.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretUnreadableError } from '../domain/errors';
import { SECRETS_ENCRYPTION_CONTEXT } from '../settings/resources';
import type { DataKeySource } from './envelope-secrets';

const AAD = Buffer.from(JSON.stringify(['local data key', SECRETS_ENCRYPTION_CONTEXT]), 'utf8');

/** `local:` and the first 16 hex digits of the key's SHA-256: names the key without revealing it. */
export function localKeyId(key: Uint8Array): string {
  return `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export function localDataKeys(key: Uint8Array): DataKeySource {
  if (key.length !== 32) throw new Error('the local secrets key must be 32 bytes');
  const keyId = localKeyId(key);
  return {
    async generate() {
      const plaintext = randomBytes(32);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { keyId, plaintext, encrypted: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
    },
    async decrypt(storedKeyId, encrypted) {
      if (storedKeyId !== keyId)
        throw new SecretUnreadableError(`sealed with another key (${storedKeyId}; this one is ${keyId})`);
      try {
        const bytes = Buffer.from(encrypted);
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAAD(AAD);
        decipher.setAuthTag(bytes.subarray(12, 28));
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
      } catch (error) {
        throw new SecretUnreadableError('the data key does not authenticate under the local key', {
          cause: error,
        });
      }
    },
  };
}

/**
 * Data keys from KMS for the envelope encryption of endpoint secrets: `GenerateDataKey` (AES_256) when
 * the api function seals, `Decrypt` when the delivery function opens, both with the fixed encryption
 * context the key policy's grants are conditioned on. The data keys themselves are cached by
 * `EnvelopeSecrets`, so these calls happen once per data key per cold start.
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SecretUnreadableError } from '../domain/errors';
import { SECRETS_ENCRYPTION_CONTEXT } from '../settings/resources';
import { callAws } from './aws-errors';
import type { DataKeySource } from './envelope-secrets';

/** KMS answers that no retry will change: the owner of the key must act (or the value was altered). */
const PERMANENT = new Set([
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'InvalidKeyUsageException',
  'NotFoundException',
  'AccessDeniedException',
]);

/** What the functions call; a structural type so tests can hand in a fake `send`. */
export type KmsSend = Pick<KMSClient, 'send'>;

export function kmsDataKeys(
  keyId: string,
  client: KmsSend = new KMSClient({ maxAttempts: 3 }),
): DataKeySource {
  const context = { ...SECRETS_ENCRYPTION_CONTEXT };
  return {
    async generate() {
      const out = await callAws('kms', () =>
        client.send(
          new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
        ),
      );
      if (!out.Plaintext || !out.CiphertextBlob || !out.KeyId)
        throw new Error('KMS GenerateDataKey returned no data key');
      return { keyId: out.KeyId, plaintext: out.Plaintext, encrypted: out.CiphertextBlob };
    },
    async decrypt(storedKeyId, encrypted) {
      try {
        const out = await callAws('kms', () =>
          client.send(
            // KeyId as stored: KMS refuses a data key wrapped by any other key (IncorrectKeyException).
            new DecryptCommand({ KeyId: storedKeyId, CiphertextBlob: encrypted, EncryptionContext: context }),
          ),
        );
        if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
        return out.Plaintext;
      } catch (error) {
        if (error instanceof Error && PERMANENT.has(error.name))
          throw new SecretUnreadableError(`KMS refused the data key (${error.name}: ${error.message})`, {
            cause: error,
          });
        throw error;
      }
    },
  };
}

import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { type DataKeySource, EnvelopeSecrets } from '../../lambdas/adapters/envelope-secrets';
import { kmsDataKeys } from '../../lambdas/adapters/kms-data-keys';
import { localDataKeys, localKeyId } from '../../lambdas/adapters/local-data-keys';
import { DependencyUnavailableError, SecretUnreadableError } from '../../lambdas/domain/errors';
import { SECRETS_ENCRYPTION_CONTEXT } from '../../lambdas/settings/resources';
import { TEST_SECRETS_KEY } from '../support/fakes';

const EP = { tenantId: 't_1', endpointId: 'ep_1' };
const SECRET = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==';

/** A data key source that counts its calls, over the tests' local key. */
function counting(inner: DataKeySource = localDataKeys(TEST_SECRETS_KEY)) {
  const calls = { generate: 0, decrypt: 0 };
  const source: DataKeySource = {
    generate: () => {
      calls.generate++;
      return inner.generate();
    },
    decrypt: (keyId, encrypted) => {
      calls.decrypt++;
      return inner.decrypt(keyId, encrypted);
    },
  };
  return { source, calls };
}

/** Replaces part `index` (1 = key id ... 5 = ciphertext) of a sealed value. */
function withPart(sealed: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split('.');
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join('.');
}

const flipFirstByte = (b: Buffer) => {
  const c = Buffer.from(b);
  c[0] = c[0]! ^ 1;
  return c;
};

describe('envelope encryption of endpoint secrets', () => {
  it('seals to a versioned, self-describing value without the secret in it, and opens it again', async () => {
    const secrets = new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY));
    const sealed = await secrets.seal(SECRET, EP);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(6);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1]!, 'base64url').toString()).toBe(localKeyId(TEST_SECRETS_KEY));
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
    expect(await secrets.open(sealed, EP)).toBe(SECRET);
    // A new IV every time: two seals of one secret differ.
    expect(await secrets.seal(SECRET, EP)).not.toBe(sealed);
  });

  it('opens in another process with the same key (the format carries everything)', async () => {
    const sealed = await new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY)).seal(SECRET, EP);
    expect(await new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY)).open(sealed, EP)).toBe(SECRET);
  });

  it('refuses a value copied to another endpoint or tenant', async () => {
    const secrets = new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY));
    const sealed = await secrets.seal(SECRET, EP);
    await expect(secrets.open(sealed, { ...EP, endpointId: 'ep_2' })).rejects.toBeInstanceOf(
      SecretUnreadableError,
    );
    await expect(secrets.open(sealed, { ...EP, tenantId: 't_2' })).rejects.toThrow(
      /does not authenticate \(altered, or sealed for another endpoint\)/,
    );
  });

  it('refuses a value with any part altered', async () => {
    const secrets = new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY));
    const sealed = await secrets.seal(SECRET, EP);
    for (const index of [1, 2, 3, 4, 5]) {
      const altered = withPart(sealed, index, flipFirstByte);
      await expect(
        new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY)).open(altered, EP),
        `part ${index}`,
      ).rejects.toBeInstanceOf(SecretUnreadableError);
    }
    await expect(secrets.open(sealed.replace(/^v1\./, 'v9.'), EP)).rejects.toThrow(/not in a known format/);
    await expect(secrets.open('v1.abc', EP)).rejects.toThrow(/malformed/);
  });

  it('refuses a value sealed under another key', async () => {
    const sealed = await new EnvelopeSecrets(localDataKeys(Buffer.alloc(32, 1))).seal(SECRET, EP);
    await expect(new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY)).open(sealed, EP)).rejects.toThrow(
      /sealed with another key/,
    );
  });

  it('reuses one data key for up to maxSealsPerKey seals, then takes a new one', async () => {
    const { source, calls } = counting();
    const secrets = new EnvelopeSecrets(source, { maxSealsPerKey: 3 });
    const sealed = await Promise.all([1, 2, 3].map((n) => secrets.seal(`s${n}`, EP)));
    expect(calls.generate).toBe(1);
    expect(new Set(sealed.map((s) => s.split('.')[2])).size).toBe(1);
    await secrets.seal('s4', EP);
    expect(calls.generate).toBe(2);
  });

  it('takes a new data key once the current one is maxKeyAgeMs old', async () => {
    let now = 0;
    const { source, calls } = counting();
    const secrets = new EnvelopeSecrets(source, { maxKeyAgeMs: 60_000, now: () => now });
    await secrets.seal('a', EP);
    now = 59_999;
    await secrets.seal('b', EP);
    expect(calls.generate).toBe(1);
    now = 60_000;
    await secrets.seal('c', EP);
    expect(calls.generate).toBe(2);
  });

  it('decrypts each data key once per process: opening many secrets costs one key-service call', async () => {
    const sealer = new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY));
    const sealed = await Promise.all(
      ['ep_1', 'ep_2', 'ep_3'].map((endpointId) => sealer.seal(SECRET, { ...EP, endpointId })),
    );
    const { source, calls } = counting();
    const opener = new EnvelopeSecrets(source);
    for (let round = 0; round < 100; round++)
      await Promise.all(sealed.map((s, i) => opener.open(s, { ...EP, endpointId: `ep_${i + 1}` })));
    expect(calls.decrypt).toBe(1);
    // What a process sealed itself it opens with no call at all.
    const self = counting();
    const both = new EnvelopeSecrets(self.source);
    expect(await both.open(await both.seal(SECRET, EP), EP)).toBe(SECRET);
    expect(self.calls).toEqual({ generate: 1, decrypt: 0 });
  });

  it('does not remember a failed unwrap: the next open asks again', async () => {
    const sealed = await new EnvelopeSecrets(localDataKeys(TEST_SECRETS_KEY)).seal(SECRET, EP);
    let down = true;
    const inner = localDataKeys(TEST_SECRETS_KEY);
    const { source, calls } = counting({
      generate: () => inner.generate(),
      decrypt: async (k, e) => {
        if (down) throw new DependencyUnavailableError('kms');
        return inner.decrypt(k, e);
      },
    });
    const opener = new EnvelopeSecrets(source);
    await expect(opener.open(sealed, EP)).rejects.toBeInstanceOf(DependencyUnavailableError);
    down = false;
    expect(await opener.open(sealed, EP)).toBe(SECRET);
    expect(calls.decrypt).toBe(2);
  });
});

describe('KMS data keys', () => {
  const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const plaintext = Buffer.alloc(32, 9);
  const blob = Buffer.from('kms-wrapped-data-key');

  function fakeKms(fail?: Error) {
    const sent: unknown[] = [];
    return {
      sent,
      client: {
        send: async (command: unknown) => {
          sent.push(command);
          if (fail) throw fail;
          if (command instanceof GenerateDataKeyCommand)
            return { KeyId: ARN, Plaintext: plaintext, CiphertextBlob: blob };
          if (command instanceof DecryptCommand) return { KeyId: ARN, Plaintext: plaintext };
          throw new Error('unexpected command');
        },
      } as never,
    };
  }

  it('asks for AES_256 data keys and decrypts with the key id and encryption context', async () => {
    const kms = fakeKms();
    const secrets = new EnvelopeSecrets(kmsDataKeys('alias/webhook-secrets', kms.client));
    const sealed = await secrets.seal(SECRET, EP);
    expect(Buffer.from(sealed.split('.')[1]!, 'base64url').toString()).toBe(ARN);
    expect(await new EnvelopeSecrets(kmsDataKeys('alias/webhook-secrets', kms.client)).open(sealed, EP)).toBe(
      SECRET,
    );
    const [generate, decrypt] = kms.sent as [GenerateDataKeyCommand, DecryptCommand];
    expect(generate.input).toEqual({
      KeyId: 'alias/webhook-secrets',
      KeySpec: 'AES_256',
      EncryptionContext: SECRETS_ENCRYPTION_CONTEXT,
    });
    expect(decrypt.input).toMatchObject({ KeyId: ARN, EncryptionContext: SECRETS_ENCRYPTION_CONTEXT });
    expect(Buffer.from(decrypt.input.CiphertextBlob!).equals(blob)).toBe(true);
  });

  it('turns a disabled key or a refused ciphertext into SecretUnreadableError, throttling into a 503', async () => {
    const sealed = await new EnvelopeSecrets(kmsDataKeys(ARN, fakeKms().client)).seal(SECRET, EP);
    for (const name of ['DisabledException', 'KMSInvalidStateException', 'InvalidCiphertextException']) {
      const error = Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 } });
      const opener = new EnvelopeSecrets(kmsDataKeys(ARN, fakeKms(error).client));
      await expect(opener.open(sealed, EP), name).rejects.toThrow(
        new SecretUnreadableError(`KMS refused the data key (${name}: ${name} message)`),
      );
    }
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const opener = new EnvelopeSecrets(kmsDataKeys(ARN, fakeKms(throttled).client));
    await expect(opener.open(sealed, EP)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

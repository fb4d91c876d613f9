import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeSecrets } from '../../lambdas/adapters/envelope-secrets';
import { localDataKeys } from '../../lambdas/adapters/local-data-keys';
import { localSecretsKey, SECRETS_KEY_FILE } from '../../local/secrets-key';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local runtime secrets key', () => {
  it('is made once as a 0600 file in the data directory and read back after a restart', async () => {
    const dir = tempDir();
    const first = localSecretsKey(dir);
    const file = join(dir, SECRETS_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const sealed = await new EnvelopeSecrets(localDataKeys(first)).seal('whsec_x', {
      tenantId: 't',
      endpointId: 'ep',
    });
    // A restart: a new key object from the same file opens what the first sealed.
    const again = new EnvelopeSecrets(localDataKeys(localSecretsKey(dir)));
    expect(await again.open(sealed, { tenantId: 't', endpointId: 'ep' })).toBe('whsec_x');
  });

  it('refuses a damaged key file rather than replacing it (every sealed secret depends on it)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SECRETS_KEY_FILE), 'not a key\n');
    expect(() => localSecretsKey(dir)).toThrow(/is not a secrets key/);
    expect(readFileSync(join(dir, SECRETS_KEY_FILE), 'utf8')).toBe('not a key\n');
  });

  it('is a fresh key in memory when the data is in memory', () => {
    expect(Buffer.from(localSecretsKey()).equals(Buffer.from(localSecretsKey()))).toBe(false);
  });
});

/**
 * The local runtime's key for endpoint secrets, standing in for the KMS key: 32 random bytes in a 0600
 * file under the data directory (so sealed secrets still open after a restart), or in memory when the
 * data is. Secrets are sealed with it by the same envelope code the functions run on AWS.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRETS_KEY_FILE = 'secrets.key';

export function localSecretsKey(dataDir?: string): Uint8Array {
  if (!dataDir) return randomBytes(32);
  const file = join(dataDir, SECRETS_KEY_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    // No key yet: make one below.
  }
  if (text !== undefined) {
    // A key file that is there but unreadable as a key is not replaced: every sealed secret depends on it.
    if (!/^[0-9a-f]{64}$/.test(text))
      throw new Error(`${file} is not a secrets key (64 hex digits); restore it or remove DATA_DIR`);
    return Buffer.from(text, 'hex');
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    // `wx`: never overwrite a key another process wrote meanwhile.
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return localSecretsKey(dataDir);
    throw error;
  }
  chmodSync(file, 0o600);
  return key;
}

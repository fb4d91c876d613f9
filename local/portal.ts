/**
 * The local runtime's portal: the token key in a file under the data directory (so links survive a
 * restart; mode 0600, never sent anywhere), or in memory when the data is; the page built by esbuild on
 * its first request.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortalAssets } from '../lambdas/portal/page';
import { type BuiltPortalAssets, buildPortalAssets } from '../lib/portal-assets';

export const PORTAL_KEY_FILE = 'portal-token.key';

export function localPortalKey(dataDir?: string): () => Promise<Uint8Array> {
  return async () => {
    if (!dataDir) return randomBytes(32);
    const file = join(dataDir, PORTAL_KEY_FILE);
    try {
      const hex = readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
    } catch {
      // No key yet: make one.
    }
    mkdirSync(dataDir, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600 });
    return key;
  };
}

export function localPortalAssets(): PortalAssets {
  let built: BuiltPortalAssets | undefined;
  const get = () => {
    built ??= buildPortalAssets();
    return built;
  };
  return { script: async () => get().script, styles: async () => get().styles };
}

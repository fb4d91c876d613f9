/**
 * Where the portal's token key comes from on AWS: an HMAC of a fixed label under the stack's KMS HMAC
 * key (`GenerateMac`, once per cold start). The KMS key never leaves KMS and the derived key never
 * leaves the function's memory; only roles granted `kms:GenerateMac` on that key (the api function and
 * the portal authorizer) can derive it, so only they can mint or check tokens. Changing the label (or
 * the key) signs every existing token out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import type { PortalAssets } from '../portal/page';
import { PORTAL_BUNDLED_FILES } from '../settings/resources';

const LABEL = 'webhooks portal token key v1';

export function kmsDerivedKey(keyId: string, client = new KMSClient({ maxAttempts: 3 })) {
  return async (): Promise<Uint8Array> => {
    const out = await client.send(
      new GenerateMacCommand({
        KeyId: keyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: new TextEncoder().encode(LABEL),
      }),
    );
    if (!out.Mac || out.Mac.length < 32) throw new Error('KMS GenerateMac returned no MAC');
    return out.Mac;
  };
}

/** The page's script and stylesheet, bundled next to the function's code at synth (read once). */
export function bundledPortalAssets(dir = process.env.LAMBDA_TASK_ROOT ?? '/var/task'): PortalAssets {
  const cache = new Map<string, Promise<string>>();
  const read = (name: string) => {
    if (!cache.has(name))
      cache.set(
        name,
        Promise.resolve().then(() => readFileSync(join(dir, name), 'utf8')),
      );
    return cache.get(name)!;
  };
  return { script: () => read(PORTAL_BUNDLED_FILES.script), styles: () => read(PORTAL_BUNDLED_FILES.styles) };
}

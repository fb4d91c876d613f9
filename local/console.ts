/**
 * `npm run console`: prints a ready link to the operator console (the portal with an operator token) of
 * the local runtime started by `npm start`. It finds the runtime by the same PORT setting `npm start`
 * reads (default 3000) and mints the token through the runtime's own owner API (no credentials locally).
 */
import { resolveSettings, settingsFromEnv } from '../lambdas/settings/resolve';

const local = resolveSettings(settingsFromEnv(process.env), { naming: 'env', local: true });
const base = process.env.WEBHOOKS_URL ?? `http://127.0.0.1:${local.port}`;
const ttlSeconds = Number(process.env.TTL_SECONDS ?? 3600);

try {
  const response = await fetch(`${base}/v1/portal-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: process.argv[2] ?? '*', ttlSeconds }),
  });
  const body = (await response.json()) as { url?: string; expiresAt?: string; error?: { message: string } };
  if (!response.ok || !body.url)
    throw new Error(body.error?.message ?? `the runtime answered ${response.status}`);
  process.stdout.write(`Operator console (valid until ${body.expiresAt}):\n${body.url}\n`);
} catch (error) {
  process.stderr.write(
    `No local runtime answered at ${base} (${(error as Error).message}). Start it with npm start (same PORT).\n`,
  );
  process.exit(1);
}

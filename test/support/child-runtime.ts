/** Runs `npm start`'s entry point as a separate process, so tests can SIGKILL it like a crash. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildRuntime {
  readonly process: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Stops the process with SIGTERM (a clean shutdown) unless it has already exited or been killed. */
  stop(): Promise<void>;
}

export async function startChildRuntime(
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ChildRuntime> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'error',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Leave nothing behind: a runtime that did not start in time is stopped before the test fails (its
      // DynamoDB Local follows within a second, through the runtime's watchdog).
      child.kill('SIGKILL');
      reject(new Error(`runtime did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    process: child,
    url,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

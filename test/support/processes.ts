/**
 * Process-tree helpers for tests that start npm scripts as a user would (Linux: reads /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
}

function readStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: read the fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** The command line of a process, '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of `root` (children, their children, ...), by parent pid. */
export function descendants(root: number): number[] {
  const all: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) all.push(info);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent && p.state !== 'Z') {
        found.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** True while the process exists and is not a zombie (a zombie has exited; only its entry is left). */
export function isRunning(pid: number): boolean {
  const info = readStat(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Resolves with the pids still running after `timeoutMs` (empty when all ended in time). */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(isRunning);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when something accepts connections on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface NpmScript {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
  /** Resolves with the first match of `pattern` in the output, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Last resort for the test's own cleanup: SIGKILL the whole process group. */
  killGroup(): void;
}

/**
 * `npm run <script>` in its own process group (so a signal to the test's group cannot reach it and the
 * cleanup can reach all of it), with stdout and stderr captured.
 */
export function startNpmScript(script: string, env: Record<string, string>, cwd = process.cwd()): NpmScript {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd,
    env: {
      ...process.env,
      LOG_LEVEL: 'error',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return false;
          clearTimeout(timer);
          clearInterval(poll);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`npm run ${script}: no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const poll = setInterval(check, 50);
        check();
      }),
    killGroup: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

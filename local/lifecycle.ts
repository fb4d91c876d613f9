/**
 * How a long-running local process (`npm start`, `npm run receiver`) ends: on SIGINT, SIGTERM or SIGHUP,
 * and when the process that started it goes away.
 *
 * Why both: the npm scripts `exec` node so that npm's own signal forwarding reaches this process with no
 * shell in between (a `sh -c` in the middle swallows SIGINT and dies alone on SIGTERM, leaving node and
 * Java serving). npm forwards SIGINT and SIGTERM to its child and exits after it; if npm is killed
 * outright instead, this process is re-parented, and the parent watch notices within `intervalMs`.
 */

export interface StopOptions {
  /** Stop when `process.ppid` changes (the parent died). Default true. */
  readonly watchParent?: boolean;
  /** How often the parent is checked. Default 500 ms. */
  readonly intervalMs?: number;
  /** Longest a clean stop may take before the process exits anyway. Default 10 s. */
  readonly forceAfterMs?: number;
}

/**
 * Calls `stop` once on the first of those causes, then exits 0 (1 when `stop` throws). A second signal
 * while stopping exits at once with 130. Returns a function that removes the handlers.
 */
export function stopOnExitSignals(
  stop: (reason: string) => Promise<void> | void,
  options: StopOptions = {},
): () => void {
  const { watchParent = true, intervalMs = 500, forceAfterMs = 10_000 } = options;
  let stopping = false;
  let watch: ReturnType<typeof setInterval> | undefined;
  const begin = (reason: string) => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    clearInterval(watch);
    setTimeout(() => process.exit(1), forceAfterMs).unref();
    Promise.resolve()
      .then(() => stop(reason))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exit(1);
        },
      );
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((signal) => {
    const handler = () => begin(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  if (watchParent) {
    const parent = process.ppid;
    watch = setInterval(() => {
      if (process.ppid !== parent) begin('parent process exited');
    }, intervalMs);
    watch.unref();
  }
  return () => {
    clearInterval(watch);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

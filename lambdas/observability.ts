/**
 * Structured JSON logs: one line per record, ids as fields, never secrets or payload bodies.
 * (The production stack swaps in Powertools' Logger behind the same interface.)
 */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof LEVELS;

export function createLog(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Log {
  const threshold =
    LEVELS[(level.toLowerCase() as Level) in LEVELS ? (level.toLowerCase() as Level) : 'info'];
  const write = (lvl: Exclude<Level, 'silent'>, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    const line = JSON.stringify({
      level: lvl.toUpperCase(),
      service,
      message,
      timestamp: new Date().toISOString(),
      ...extra,
    });
    if (lvl === 'error' || lvl === 'warn') process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  };
  return {
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
  };
}

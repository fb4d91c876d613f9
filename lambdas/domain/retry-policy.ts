import { ConfigError } from './errors';
import type { HttpOutcome } from './ports';

/**
 * The longest delay a schedule may hold: a strict-ordering endpoint waits out a retry with one visibility
 * timeout, and SQS's is at most 12 h. (How waits are made of queue timers is the SQS adapter's business.)
 */
export const MAX_RETRY_DELAY_MS = 12 * 3_600_000;

/** `RETRY_SCHEDULE` and `RETRY_JITTER`: the settings the schedule policy is made from. */
export interface RetrySchedule {
  /** Delay before retry n (index n-1), in ms. Its length is the number of retries. */
  readonly delaysMs: readonly number[];
  /** Jitter as a fraction of the delay (0 = off, 0.2 = plus or minus 20%). */
  readonly jitter: number;
}

/** A failed attempt, as a retry policy sees it. */
export interface FailedAttempt {
  /** The attempt's number within its round (1 for the round's first; a recover starts a new round). */
  readonly attempt: number;
  readonly outcome: HttpOutcome;
  /** When it ended (epoch ms): a `Retry-After` date counts from here. */
  readonly finishedAt: number;
}

/**
 * When to try again after a failed attempt. The delivery path asks it after every failure it may retry
 * (410 Gone, a blocked target and a test ping are never retried, whatever the policy says).
 */
export interface RetryPolicy {
  /** Milliseconds until the next attempt, or undefined to give up. */
  nextDelayMs(failed: FailedAttempt): number | undefined;
}

/**
 * The schedule policy (the only one today): the configured delays, jittered, honouring `Retry-After` on
 * 429 and 503 within twice the scheduled delay, and giving up when the schedule is used up.
 */
export function schedulePolicy(schedule: RetrySchedule, random?: () => number): RetryPolicy {
  return {
    nextDelayMs({ attempt, outcome, finishedAt }) {
      const throttled =
        outcome.kind === 'response' && (outcome.response.status === 429 || outcome.response.status === 503);
      const retryAfterMs = throttled ? parseRetryAfter(outcome.response.retryAfter, finishedAt) : undefined;
      return retryDelayMs(schedule, attempt, {
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(random ? { random } : {}),
      });
    },
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"90s"`, `"5m"`, `"2h"`, `"250ms"` to milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match)
    throw new ConfigError(`"${text}" is not a duration (use a number and ms, s, m, h or d, e.g. 5m)`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** `90000` to `"90s"`, `300000` to `"5m"`: the shortest exact form `parseDuration` reads back. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Parses `RETRY_SCHEDULE` (`"1m,5m,30m,2h,12h"`). Each delay must be from 1 s to 12 h (the longest wait
 * a strict-ordering endpoint can hold its queue with one visibility timeout), at most 20 retries.
 */
export function parseRetrySchedule(text: string, variable = 'RETRY_SCHEDULE'): number[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0)
    throw new ConfigError(`${variable} must list at least one delay, e.g. 1m,5m,30m,2h,12h`);
  if (items.length > 20)
    throw new ConfigError(`${variable} lists ${items.length} retries; at most 20 are allowed`);
  return items.map((item) => {
    let ms: number;
    try {
      ms = parseDuration(item);
    } catch (err) {
      throw new ConfigError(`${variable}: ${(err as Error).message}`);
    }
    if (ms < 1000) throw new ConfigError(`${variable}: "${item}" is shorter than the 1 s minimum`);
    if (ms > MAX_RETRY_DELAY_MS)
      throw new ConfigError(`${variable}: "${item}" is longer than the 12h maximum`);
    return ms;
  });
}

/**
 * `Retry-After` as ms from `now`: delta-seconds or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based), or undefined when the
 * schedule is used up. A receiver's `Retry-After` (429/503) is honoured, but capped at twice the
 * scheduled delay so one receiver cannot park a delivery indefinitely.
 */
export function retryDelayMs(
  policy: RetrySchedule,
  attempt: number,
  options: { retryAfterMs?: number; random?: () => number } = {},
): number | undefined {
  const scheduled = policy.delaysMs[attempt - 1];
  if (scheduled === undefined) return undefined;
  const random = options.random ?? Math.random;
  const jittered = policy.jitter > 0 ? scheduled * (1 + policy.jitter * (2 * random() - 1)) : scheduled;
  let delay = Math.round(jittered);
  if (options.retryAfterMs !== undefined)
    delay = Math.min(Math.max(delay, options.retryAfterMs), 2 * scheduled);
  return delay;
}

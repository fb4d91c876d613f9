import { ConfigError } from './errors';

/** SQS message timers stop at 900 s; longer waits are made of several hops. */
export const MAX_TIMER_SECONDS = 900;
/** SQS visibility timeout ceiling (12 h), which bounds one strict-ordering wait. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export interface RetryPolicy {
  /** Delay before retry n (index n-1), in ms. Its length is the number of retries. */
  readonly delaysMs: readonly number[];
  /** Jitter as a fraction of the delay (0 = off, 0.2 = plus or minus 20%). */
  readonly jitter: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"90s"`, `"5m"`, `"2h"`, `"250ms"` to milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match)
    throw new ConfigError(`"${text}" is not a duration (use a number and ms, s, m, h or d, e.g. 5m)`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
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
    if (ms > MAX_VISIBILITY_SECONDS * 1000)
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
  policy: RetryPolicy,
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

export type HopPlan = { readonly kind: 'release' } | { readonly kind: 'delay'; readonly seconds: number };

/**
 * What the retry queue does with a message due at `dueAt`: hand it to the endpoint's FIFO group when
 * due, otherwise wait again for `min(remaining, 900 s)`, rounded up so no attempt goes out early.
 */
export function planHop(dueAt: number, now: number): HopPlan {
  const remainingMs = dueAt - now;
  if (remainingMs <= 0) return { kind: 'release' };
  return { kind: 'delay', seconds: Math.min(Math.ceil(remainingMs / 1000), MAX_TIMER_SECONDS) };
}

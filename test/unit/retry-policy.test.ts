import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hopSeconds, MAX_TIMER_SECONDS } from '../../lambdas/adapters/sqs-queues';
import { ConfigError } from '../../lambdas/domain/errors';
import {
  parseDuration,
  parseRetryAfter,
  parseRetrySchedule,
  type RetrySchedule,
  retryDelayMs,
  schedulePolicy,
} from '../../lambdas/domain/retry-policy';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1s', SECOND],
    ['90s', 90 * SECOND],
    ['5m', 5 * MINUTE],
    ['2h', 2 * HOUR],
    ['1.5h', 90 * MINUTE],
    [' 5m ', 5 * MINUTE],
    ['5d', 5 * 24 * HOUR],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5', 'm', '5 m', '-1s', '5w', '5M', '1e3ms', '', '1h30m'])(
    'rejects %j with a ConfigError',
    (text) => {
      expect(() => parseDuration(text)).toThrow(ConfigError);
      expect(() => parseDuration(text)).toThrow(/is not a duration/);
    },
  );
});

describe('parseRetrySchedule', () => {
  it('reads the default schedule 1m,5m,30m,2h,12h', () => {
    expect(parseRetrySchedule('1m,5m,30m,2h,12h')).toEqual([
      MINUTE,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      12 * HOUR,
    ]);
  });

  it('reads a custom schedule, ignoring spaces', () => {
    expect(parseRetrySchedule('1m, 15m ,60m')).toEqual([MINUTE, 15 * MINUTE, 60 * MINUTE]);
  });

  it('accepts the bounds: 1 s and 12 h', () => {
    expect(parseRetrySchedule('1s,12h,1000ms,43200s,720m')).toEqual([
      SECOND,
      12 * HOUR,
      SECOND,
      12 * HOUR,
      12 * HOUR,
    ]);
  });

  it.each([
    ['999ms', /RETRY_SCHEDULE: "999ms" is shorter than the 1 s minimum/],
    ['0s', /RETRY_SCHEDULE: "0s" is shorter than the 1 s minimum/],
    ['43201s', /RETRY_SCHEDULE: "43201s" is longer than the 12h maximum/],
    ['1m,13h', /RETRY_SCHEDULE: "13h" is longer than the 12h maximum/],
    ['1m,soon', /RETRY_SCHEDULE: "soon" is not a duration/],
    ['', /RETRY_SCHEDULE must list at least one delay/],
    [' , ,', /RETRY_SCHEDULE must list at least one delay/],
  ])('rejects %j with a ConfigError naming RETRY_SCHEDULE', (text, message) => {
    expect(() => parseRetrySchedule(text)).toThrow(ConfigError);
    expect(() => parseRetrySchedule(text)).toThrow(message);
  });

  it('allows 20 retries and rejects 21', () => {
    expect(parseRetrySchedule(Array(20).fill('1m').join(','))).toHaveLength(20);
    expect(() => parseRetrySchedule(Array(21).fill('1m').join(','))).toThrow(
      /RETRY_SCHEDULE lists 21 retries; at most 20 are allowed/,
    );
  });

  it('names the variable it is given', () => {
    expect(() => parseRetrySchedule('x', 'OTHER_SCHEDULE')).toThrow(/^OTHER_SCHEDULE: /);
  });
});

describe('retryDelayMs', () => {
  const defaults: RetrySchedule = { delaysMs: parseRetrySchedule('1m,5m,30m,2h,12h'), jitter: 0 };
  const short: RetrySchedule = { delaysMs: [SECOND, 2 * SECOND, 3 * SECOND], jitter: 0 };

  it('follows the default schedule after each failed attempt and gives up after the last', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(defaults, attempt))).toEqual([
      MINUTE,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      12 * HOUR,
      undefined,
    ]);
    expect(retryDelayMs(defaults, 7)).toBeUndefined();
  });

  it('waits at least the scheduled delay when Retry-After asks for less', () => {
    expect(retryDelayMs(short, 1, { retryAfterMs: 0 })).toBe(SECOND);
    expect(retryDelayMs(short, 1, { retryAfterMs: 500 })).toBe(SECOND);
  });

  it('waits as long as Retry-After asks when that is between the schedule and twice it', () => {
    expect(retryDelayMs(short, 1, { retryAfterMs: 1500 })).toBe(1500);
    expect(retryDelayMs(short, 2, { retryAfterMs: 4000 })).toBe(4000);
  });

  it('caps Retry-After at twice the scheduled delay', () => {
    expect(retryDelayMs(short, 1, { retryAfterMs: 5000 })).toBe(2 * SECOND);
    expect(retryDelayMs(defaults, 1, { retryAfterMs: 24 * HOUR })).toBe(2 * MINUTE);
  });

  it('gives up after the last attempt even when Retry-After is given', () => {
    expect(retryDelayMs(short, 4, { retryAfterMs: 1000 })).toBeUndefined();
  });

  describe('with jitter', () => {
    const jittery: RetrySchedule = { delaysMs: [10 * SECOND], jitter: 0.2 };

    it('spreads the delay by plus or minus the jitter fraction', () => {
      expect(retryDelayMs(jittery, 1, { random: () => 0 })).toBe(8 * SECOND);
      expect(retryDelayMs(jittery, 1, { random: () => 0.5 })).toBe(10 * SECOND);
      expect(retryDelayMs(jittery, 1, { random: () => 1 })).toBe(12 * SECOND);
      expect(retryDelayMs(jittery, 1, { random: () => 0.75 })).toBe(11 * SECOND);
    });

    it('stays within the bounds for any random value', () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (r) => {
          const delay = retryDelayMs(jittery, 1, { random: () => r })!;
          return Number.isInteger(delay) && delay >= 8 * SECOND && delay <= 12 * SECOND;
        }),
      );
    });

    it('still honours Retry-After and its cap of twice the unjittered delay', () => {
      expect(retryDelayMs(jittery, 1, { random: () => 0, retryAfterMs: 9 * SECOND })).toBe(9 * SECOND);
      expect(retryDelayMs(jittery, 1, { random: () => 1, retryAfterMs: 60 * SECOND })).toBe(20 * SECOND);
    });

    it('does not call random when jitter is off', () => {
      const random = () => {
        throw new Error('random called');
      };
      expect(retryDelayMs(short, 1, { random })).toBe(SECOND);
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 01 Jan 2025 00:00:00 GMT');

  it('reads delta-seconds as ms', () => {
    expect(parseRetryAfter('5', now)).toBe(5 * SECOND);
    expect(parseRetryAfter(' 120 ', now)).toBe(120 * SECOND);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date as ms from now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30 * SECOND);
    expect(parseRetryAfter('Wed, 01 Jan 2025 01:00:00 GMT', now)).toBe(HOUR);
  });

  it('reads a date in the past as 0', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

/** Hops of the retry queue: the SQS adapter's business (900 s timers), planned by `hopSeconds`. */
describe('hopSeconds (SQS adapter)', () => {
  const now = Date.UTC(2025, 0, 1);

  /** Follows hops until release, as the retry queue would; returns each hop's seconds. */
  function hops(dueAt: number, start: number): number[] {
    const seconds: number[] = [];
    let t = start;
    for (let next = hopSeconds(dueAt, t); next > 0 && dueAt > t; next = hopSeconds(dueAt, t)) {
      seconds.push(next);
      t += next * SECOND;
      if (seconds.length > 1000) throw new Error('no release');
    }
    return seconds;
  }

  it('releases a message that is due now or overdue', () => {
    expect(hopSeconds(now, now)).toBe(0);
    expect(hopSeconds(now - HOUR, now)).toBe(0);
  });

  it('waits 900 s at most per hop: 12 h is 48 hops of 900 s, then release', () => {
    expect(hopSeconds(now + 12 * HOUR, now)).toBe(MAX_TIMER_SECONDS);
    expect(hops(now + 12 * HOUR, now)).toEqual(Array(48).fill(900));
  });

  it('rounds the last hop up: 900.2 s is 900 s then 1 s', () => {
    expect(hops(now + 900_200, now)).toEqual([900, 1]);
  });

  it('rounds sub-second waits up to 1 s rather than releasing early', () => {
    expect(hopSeconds(now + 300, now)).toBe(1);
    expect(hopSeconds(now + 1, now)).toBe(1);
  });

  it('never releases before the due time, nor a second or more after it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 * HOUR }), (remaining) => {
        const waited = hops(now + remaining, now).reduce((sum, s) => sum + s * SECOND, 0);
        return waited >= remaining && waited < remaining + SECOND;
      }),
    );
  });
});

describe('schedulePolicy (the RetryPolicy the delivery path uses by default)', () => {
  const finishedAt = Date.parse('Wed, 01 Jan 2025 00:00:00 GMT');
  const policy = schedulePolicy({ delaysMs: [SECOND, 2 * SECOND], jitter: 0 });
  const response = (status: number, retryAfter?: string) =>
    ({
      kind: 'response',
      response: { status, body: '', ...(retryAfter !== undefined ? { retryAfter } : {}) },
    }) as const;

  it('follows the schedule and gives up after it', () => {
    expect(policy.nextDelayMs({ attempt: 1, outcome: response(500), finishedAt })).toBe(SECOND);
    expect(policy.nextDelayMs({ attempt: 2, outcome: response(500), finishedAt })).toBe(2 * SECOND);
    expect(policy.nextDelayMs({ attempt: 3, outcome: response(500), finishedAt })).toBeUndefined();
    const timeout = { kind: 'error', errorClass: 'timeout', message: 'slow' } as const;
    expect(policy.nextDelayMs({ attempt: 1, outcome: timeout, finishedAt })).toBe(SECOND);
  });

  it('honours Retry-After on 429 and 503 only, within twice the scheduled delay', () => {
    expect(policy.nextDelayMs({ attempt: 1, outcome: response(429, '1.5'), finishedAt })).toBe(SECOND);
    expect(
      policy.nextDelayMs({ attempt: 1, outcome: response(503, 'Wed, 01 Jan 2025 00:00:01 GMT'), finishedAt }),
    ).toBe(SECOND);
    expect(policy.nextDelayMs({ attempt: 2, outcome: response(429, '3'), finishedAt })).toBe(3 * SECOND);
    expect(policy.nextDelayMs({ attempt: 2, outcome: response(503, '60'), finishedAt })).toBe(4 * SECOND);
    expect(policy.nextDelayMs({ attempt: 2, outcome: response(500, '3'), finishedAt })).toBe(2 * SECOND);
  });
});

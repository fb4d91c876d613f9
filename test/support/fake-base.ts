/** What the fakes share: the fixed start time, a clock that moves only when told, failure switches. */
import type { Clock } from '../../lambdas/domain/ports';

/** 2025-01-01T00:00:00.000Z: the default start of every FakeClock and the time of every fixture. */
export const T0 = Date.UTC(2025, 0, 1);

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private current: number = T0) {}

  now(): number {
    return this.current;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  /** A wait on this clock passes at once and moves it on (the rate-limit pacer waits this way). */
  async sleep(ms: number): Promise<void> {
    this.current += ms;
  }
}

interface Failure {
  readonly error: unknown;
  remaining: number;
}

/** Per-method failure switches shared by the fakes. */
export class Failures {
  private readonly byMethod = new Map<string, Failure>();

  set(method: string, error: unknown, times: number): void {
    this.byMethod.set(method, { error, remaining: times });
  }

  clear(): void {
    this.byMethod.clear();
  }

  /** Throws the configured error if `method` is set to fail (and counts the failure down). */
  check(method: string): void {
    const failure = this.byMethod.get(method);
    if (!failure || failure.remaining <= 0) return;
    failure.remaining--;
    throw failure.error;
  }
}

export function copy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Lets other calls run, as a network round trip would, so concurrent calls interleave. A microtask, not a
 * timer: tests with fake timers must not hang on it.
 */
export async function roundTrip(): Promise<void> {
  await Promise.resolve();
}

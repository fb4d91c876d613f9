/**
 * A discrete-event clock: simulated time only moves when every piece of running code is waiting on it.
 *
 * Code under test runs for real (promises, awaits), but every wait it makes goes through `sleep`, and
 * nothing it calls does real I/O. So once the microtask queue is drained (`settle`), everything is blocked
 * on a simulated timer, and the clock can jump straight to the earliest one. Thirty hours of simulated
 * time cost only as many steps as there are timers in them.
 */
import type { Clock } from '../../lambdas/domain/ports';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Lets every microtask chain that does not wait on a timer run to its end. */
async function settle(): Promise<void> {
  // setImmediate runs after the microtask queue is empty; twice covers a chain that queues a nextTick.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

export class SimClock implements Clock {
  private current: number;
  private seq = 0;
  /** Sorted by (at, seq): the earliest timer first, ties in the order they were set. */
  private readonly timers: Timer[] = [];
  /** Simulated steps taken (timers fired), for the run summary. */
  steps = 0;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Calls `fire` when simulated time reaches `at` (at once, on the next step, if `at` has passed). */
  schedule(at: number, fire: () => void): void {
    const timer: Timer = { at: Math.max(at, this.current), seq: this.seq++, fire };
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.timers[mid]!;
      if (t.at < timer.at || (t.at === timer.at && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  /** Resolves after `ms` of simulated time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(this.current + Math.max(0, ms), resolve));
  }

  /** Resolves at simulated time `at`. */
  until(at: number): Promise<void> {
    return new Promise((resolve) => this.schedule(at, resolve));
  }

  /**
   * Runs the simulation until simulated time `end` (or until nothing is left to run). Timers due at the
   * same instant fire one at a time, each followed by a settle, in the order they were set.
   */
  async runUntil(end: number): Promise<void> {
    await settle();
    while (this.timers.length > 0 && this.timers[0]!.at <= end) {
      const timer = this.timers.shift()!;
      this.current = timer.at;
      this.steps++;
      timer.fire();
      await settle();
    }
    if (this.current < end) this.current = end;
  }
}

/** Small numeric helpers for the benchmark: percentiles, medians, rounding, loop bounds. */

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending list (p from 0 to 100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Rounds to `digits` decimals (for JSON and tables; NaN stays NaN). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` is true, polling every `everyMs`; false if `timeoutMs` passes first. */
export async function waitUntil(check: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; stops early past `deadline`. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Calls `task(i)` at a steady `perSecond` rate (scheduled against the start, so no drift). */
export async function runPaced(
  count: number,
  perSecond: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  const start = performance.now();
  const interval = 1000 / perSecond;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(task(i));
  }
  await Promise.all(inFlight);
}

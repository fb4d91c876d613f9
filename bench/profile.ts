/**
 * Optional CPU profile of a measured window: `BENCH_CPU_PROFILE=<dir> npm run bench -- --only=2` writes one
 * `.cpuprofile` per run (ours in the bench process, the baseline in its worker), for Chrome DevTools or
 * any `.cpuprofile` reader. Off unless the variable is set; the figures of a profiled run are slower.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export async function profiled<T>(label: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${label}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

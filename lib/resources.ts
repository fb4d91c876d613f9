/**
 * The table and queue definitions and the shared names now live in `lambdas/settings/resources.ts`, so the
 * functions read them without importing `lib/`. Re-exported here for the stack, the local runtime and the
 * bench.
 */
export * from '../lambdas/settings/resources';

import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // The SDK warns that Node 20 support ends in 2027; Lambda runs Node 22. Keep test output readable.
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

/**
 * The SQS semantics model (test/model) needs no emulator: it runs in `unit` at its small size, and in
 * `reliability` (only) at full size under `npm run test:reliability` (RELIABILITY_SCALE=full).
 */
const FULL = process.env.RELIABILITY_SCALE === 'full';

/**
 * Three projects. `unit` (domain, clients, CDK) needs no emulator. `integration` and `reliability` run the
 * local runtime against one DynamoDB Local per project (globalSetup). `npm test` runs all three, the
 * reliability suite at its small size; `npm run test:reliability` runs it alone at full size.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/{unit,cdk,model}/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts', ...(FULL ? ['test/model/**/*.test.ts'] : [])],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});

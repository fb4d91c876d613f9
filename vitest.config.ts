import { defineConfig } from 'vitest/config';

/**
 * Two projects sharing one DynamoDB Local (globalSetup): `main` (unit, CDK and integration tests) and
 * `reliability` (faults, load and hostile input). `npm test` runs both, the reliability suite at its small
 * size; `npm run test:reliability` runs it alone at full size (RELIABILITY_SCALE=full).
 */
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // The SDK warns that Node 20 support ends in 2027; Lambda runs Node 22. Keep test output readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'main', include: ['test/{unit,cdk,integration}/**/*.test.ts'] } },
      { extends: true, test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'] } },
    ],
  },
});

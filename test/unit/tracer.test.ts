import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TRACER_OPTIONS } from '../../lambdas/observability';

/**
 * Runs `setup` in a fresh Node that looks like Lambda to Powertools (so tracing is on), and reports
 * whether node:http and node:https still have their own `request` afterwards.
 */
function patchedAfter(setup: string): { http: boolean; https: boolean } {
  const script = `
    import http from 'node:http';
    import https from 'node:https';
    const before = { http: http.request, https: https.request };
    ${setup}
    process.stdout.write(JSON.stringify({ http: http.request !== before.http, https: https.request !== before.https }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: {
      ...process.env,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'webhook-delivery',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      POWERTOOLS_TRACE_ENABLED: 'true',
    },
    encoding: 'utf8',
    cwd: process.cwd(),
  });
  return JSON.parse(out);
}

describe('X-Ray tracer', () => {
  it('is configured not to capture outbound HTTP(S) requests', () => {
    expect(TRACER_OPTIONS.captureHTTPsRequests).toBe(false);
  });

  it('leaves node:http and node:https unpatched, so receivers get only the documented headers', {
    timeout: 60_000,
  }, () => {
    expect(
      patchedAfter(`
        const { createTracer } = await import('./lambdas/observability.ts');
        const tracer = await createTracer('webhooks');
        if (!tracer.isTracingEnabled()) throw new Error('tracing should be on in this environment');
      `),
    ).toEqual({ http: false, https: false });
  });

  it("patches them with Powertools' default, which is what the option prevents", { timeout: 60_000 }, () => {
    expect(
      patchedAfter(`
        const { Tracer } = await import('@aws-lambda-powertools/tracer');
        new Tracer({ serviceName: 'webhooks' });
      `),
    ).toEqual({ http: true, https: true });
  });
});

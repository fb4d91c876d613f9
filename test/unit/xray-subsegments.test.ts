import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { daemonAddress, parseTraceHeader, subsegmentDocument } from '../../lambdas/adapters/xray-subsegments';

const trace = { root: '1-581cf771-a006649127e371903a2de979', parent: '70de5b6f19ff9a0b', sampled: true };
const call = {
  service: 'DynamoDB',
  operation: 'PutItem',
  region: 'eu-west-1',
  startMs: 1_478_293_361_271,
  endMs: 1_478_293_361_449,
};

describe('X-Ray subsegments', () => {
  it("reads Lambda's trace header, sampled or not, and refuses one without a root or parent", () => {
    expect(parseTraceHeader(`Root=${trace.root};Parent=${trace.parent};Sampled=1;Lineage=a:1`)).toEqual(
      trace,
    );
    expect(parseTraceHeader(`Root=${trace.root};Parent=${trace.parent};Sampled=0`)?.sampled).toBe(false);
    expect(parseTraceHeader(`Root=${trace.root};Sampled=1`)).toBeUndefined();
    expect(parseTraceHeader(undefined)).toBeUndefined();
  });

  it("finds the daemon's UDP address in either form AWS_XRAY_DAEMON_ADDRESS takes", () => {
    expect(daemonAddress('169.254.79.129:2000')).toEqual({ host: '169.254.79.129', port: 2000 });
    expect(daemonAddress('tcp:10.0.0.1:2001 udp:10.0.0.2:2002')).toEqual({ host: '10.0.0.2', port: 2002 });
    expect(daemonAddress(undefined)).toEqual({ host: '127.0.0.1', port: 2000 });
    expect(daemonAddress('nonsense')).toEqual({ host: '127.0.0.1', port: 2000 });
  });

  it('writes a subsegment of the aws namespace under the function segment, seconds as floats', () => {
    const doc = JSON.parse(
      subsegmentDocument(trace, 'aaaaaaaaaaaaaaaa', {
        ...call,
        status: 200,
        requestId: 'REQ1',
        attempts: 2,
        resource: { table_name: 'webhooks' },
      }),
    );
    expect(doc).toEqual({
      name: 'DynamoDB',
      id: 'aaaaaaaaaaaaaaaa',
      trace_id: trace.root,
      parent_id: trace.parent,
      type: 'subsegment',
      namespace: 'aws',
      start_time: 1_478_293_361.271,
      end_time: 1_478_293_361.449,
      aws: {
        operation: 'PutItem',
        region: 'eu-west-1',
        request_id: 'REQ1',
        retries: 1,
        table_name: 'webhooks',
      },
      http: { response: { status: 200 } },
    });
  });

  it('marks a 4xx an error (429 a throttle too), a 5xx or a failure with no answer a fault', () => {
    const flags = (status: number | undefined, error?: string) => {
      const doc = JSON.parse(
        subsegmentDocument(trace, 'b'.repeat(16), {
          ...call,
          ...(status !== undefined ? { status } : {}),
          ...(error ? { error } : {}),
        }),
      );
      return {
        error: doc.error,
        throttle: doc.throttle,
        fault: doc.fault,
        cause: doc.cause?.exceptions?.[0]?.message,
      };
    };
    expect(flags(400, 'ConditionalCheckFailed')).toEqual({
      error: true,
      throttle: undefined,
      fault: undefined,
      cause: 'ConditionalCheckFailed',
    });
    expect(flags(429, 'slow down')).toMatchObject({ error: true, throttle: true });
    expect(flags(503, 'unavailable')).toMatchObject({ fault: true, error: undefined });
    expect(flags(undefined, 'socket hang up')).toMatchObject({ fault: true });
    expect(flags(200)).toEqual({ error: undefined, throttle: undefined, fault: undefined, cause: undefined });
  });

  it('leaves node:http(s) unpatched when every handler is loaded as Lambda loads it, so receivers get no trace header', {
    timeout: 60_000,
  }, () => {
    const script = `
      import http from 'node:http';
      import https from 'node:https';
      const before = { http: http.request, https: https.request };
      for (const fn of ['ingest', 'api', 'delivery', 'retry', 'sweeper']) await import('./lambdas/' + fn + '/handler.ts');
      const { loadConfig } = await import('./lambdas/config.ts');
      const { buildLambdaService } = await import('./lambdas/service.ts');
      await buildLambdaService(loadConfig(process.env));
      process.stdout.write(JSON.stringify({ http: http.request !== before.http, https: https.request !== before.https }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: {
        ...process.env,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: 'webhook-delivery',
        AWS_REGION: 'us-east-1',
        TABLE_NAME: 'webhooks',
        DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/deliveries.fifo',
        DELIVERY_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/deliveries-dlq.fifo',
        RETRY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/retries',
      },
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    expect(JSON.parse(out)).toEqual({ http: false, https: false });
  });
});

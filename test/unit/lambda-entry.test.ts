import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaEntry } from '../../lambdas/lambda-entry';
import { createLog } from '../../lambdas/observability';
import { fakeService } from '../support/fakes';

const context = {
  awsRequestId: 'req-123',
  functionName: 'webhooks-delivery',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:webhooks-delivery',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

describe('lambdaEntry', () => {
  it('builds the handler once, puts the request id on every log line, and flushes metrics after each call', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const service = { ...fakeService(), log: createLog('webhooks', 'info') };
    let builds = 0;
    const entry = lambdaEntry(async () => {
      builds++;
      return {
        service,
        handler: async (event: { n: number }) => {
          service.log.info('handled', { n: event.n });
          service.telemetry.count('EventsPublished');
          return event.n * 2;
        },
      };
    });
    (process.stdout as { write: unknown }).write = (chunk: string) => {
      lines.push(String(chunk));
      return true;
    };
    try {
      expect(await entry({ n: 1 }, context)).toBe(2);
      expect(await entry({ n: 2 }, { ...context, awsRequestId: 'req-456' } as Context)).toBe(4);
    } finally {
      (process.stdout as { write: unknown }).write = write;
    }
    expect(builds).toBe(1);
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'handled');
    expect(logged.map((l) => l.function_request_id)).toEqual(['req-123', 'req-456']);
    expect(logged[0]).toMatchObject({ function_name: 'webhooks-delivery', function_memory_size: '256' });
    expect(service.telemetry.flushes).toBe(2);
  });

  it('flushes metrics when the handler throws too', async () => {
    const service = fakeService();
    const entry = lambdaEntry(async () => ({
      service,
      handler: async () => {
        service.telemetry.count('DeliveryFailed');
        throw new Error('boom');
      },
    }));
    await expect(entry({}, context)).rejects.toThrow('boom');
    expect(service.telemetry.flushes).toBe(1);
  });
});

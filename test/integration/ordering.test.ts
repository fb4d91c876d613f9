import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const eventNumber = (body: string): number => JSON.parse(body).data.n;

describe('ordering per endpoint', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const failsLeft = new Map<string, number>();

  beforeAll(async () => {
    receiver = await startReceiver(async (request) => {
      const key = `${request.path}#${eventNumber(request.body)}`;
      const left = failsLeft.get(key) ?? 0;
      if (left > 0) {
        failsLeft.set(key, left - 1);
        return { status: 503, body: 'not now' };
      }
      // A little latency widens the window in which an overlapping request would show.
      return { status: 200, delayMs: 5 };
    });
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s,2s,3s' }, deliveryConcurrency: 8 });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('delivers 50 quickly published events to one endpoint one at a time, in publish order', async () => {
    await api.createEndpoint({ tenantId: 'seq50', url: `${receiver.url}/seq50`, events: ['order.created'] });
    for (let n = 1; n <= 50; n++) {
      const r = await api.publish({ tenantId: 'seq50', type: 'order.created', data: { n } });
      expect(r.status).toBe(202);
    }
    await eventually(async () =>
      receiver.requests.filter((r) => r.path === '/seq50').length >= 50 ? true : undefined,
    );
    const got = receiver.requests.filter((r) => r.path === '/seq50');
    expect(got.map((r) => eventNumber(r.body))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(Math.max(...got.map((r) => r.concurrent))).toBe(1);
  });

  it('holds a strict endpoint behind a failing event (1, 2, 2, 2, 3, 4) while a sequential one moves on', async () => {
    const strict = await api.createEndpoint({
      tenantId: 'strict',
      url: `${receiver.url}/strict`,
      events: ['*'],
      ordering: 'strict',
    });
    expect(strict.body.ordering).toBe('strict');
    await api.createEndpoint({ tenantId: 'strict', url: `${receiver.url}/sequential`, events: ['*'] });
    failsLeft.set('/strict#2', 2);
    failsLeft.set('/sequential#2', 2);
    for (let n = 1; n <= 4; n++)
      await api.publish({ tenantId: 'strict', type: 'kiosk.offline', data: { n } });

    const order = (path: string) =>
      receiver.requests.filter((r) => r.path === path).map((r) => eventNumber(r.body));
    await eventually(
      async () => (order('/strict').length >= 6 && order('/sequential').length >= 6 ? true : undefined),
      30_000,
    );
    expect(order('/strict')).toEqual([1, 2, 2, 2, 3, 4]);

    // The sequential endpoint is not held back: first attempts in publish order, and events 3 and 4
    // arrive before event 2 finally succeeds (its retries come later, 1 s and 3 s after its first failure).
    const sequential = order('/sequential');
    expect([...new Set(sequential)]).toEqual([1, 2, 3, 4]);
    expect(sequential.filter((n) => n === 2)).toHaveLength(3);
    expect(sequential.indexOf(4)).toBeLessThan(sequential.lastIndexOf(2));
    // Strict never overlaps either.
    const strictRequests = receiver.requests.filter((r) => r.path === '/strict');
    expect(Math.max(...strictRequests.map((r) => r.concurrent))).toBe(1);
  });
});

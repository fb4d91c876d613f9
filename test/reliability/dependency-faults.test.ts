import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, countItems, eventually, startTestRuntime } from '../support/runtime';

describe('dependency faults during a publish', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const proxies: Partial<Record<'dynamodb' | 'sqs', FaultProxy>> = {};

  const countByPrefix = (prefix: string) => countItems(runtime, prefix);

  beforeAll(async () => {
    receiver = await startReceiver();
    // A short grace period and a fast tick, so the sweeper's safety net shows within the test.
    runtime = await startTestRuntime({
      env: { SWEEP_GRACE: '2s' },
      sweepIntervalMs: 500,
      routeThrough: async (service, endpoint) => {
        const proxy = await startFaultProxy(endpoint);
        proxies[service] = proxy;
        return proxy.url;
      },
    });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    await receiver?.close();
  });

  it('answers 503 when SQS is unreachable; a retry with the same id succeeds and delivers once', async () => {
    await api.createEndpoint({ tenantId: 'sqs-down', url: `${receiver.url}/sqs-down`, events: ['*'] });
    proxies.sqs!.down = true;
    const input = { tenantId: 'sqs-down', type: 'order.created', data: { n: 1 }, id: 'sqs-down-1' };
    const failed = await api.publish(input);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('dependency_unavailable');
    expect(failed.headers.get('retry-after')).toBe('1');

    proxies.sqs!.down = false;
    const retried = await api.publish(input);
    expect([200, 202]).toContain(retried.status);
    expect(retried.body.id).toBe('sqs-down-1');
    expect(retried.body.deliveries).toHaveLength(1);
    await receiver.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests.filter((r) => r.path === '/sqs-down')).toHaveLength(1);
    expect(await countByPrefix('EV#sqs-down#')).toBe(1);
  });

  it('answers 503 when DynamoDB is unreachable, stores nothing, and a retry with the same id delivers once', async () => {
    await api.createEndpoint({ tenantId: 'ddb-down', url: `${receiver.url}/ddb-down`, events: ['*'] });
    const deliveriesBefore = await countByPrefix('EP#ddb-down#');
    proxies.dynamodb!.down = true;
    const input = { tenantId: 'ddb-down', type: 'order.created', data: { n: 1 }, id: 'ddb-down-1' };
    const failed = await api.publish(input);
    expect(failed.status).toBe(503);
    proxies.dynamodb!.down = false;
    expect(await countByPrefix('EV#ddb-down#')).toBe(0);
    expect(await countByPrefix('EP#ddb-down#')).toBe(deliveriesBefore);

    const retried = await api.publish(input);
    expect(retried.status).toBe(202);
    await eventually(async () => (receiver.requests.some((r) => r.path === '/ddb-down') ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests.filter((r) => r.path === '/ddb-down')).toHaveLength(1);
  });

  it('leaves nothing half-written undelivered: the sweeper delivers an event whose caller never retried', async () => {
    await api.createEndpoint({ tenantId: 'abandoned', url: `${receiver.url}/abandoned`, events: ['*'] });
    proxies.sqs!.down = true;
    const failed = await api.publish({
      tenantId: 'abandoned',
      type: 'order.created',
      data: {},
      id: 'abandoned-1',
    });
    expect(failed.status).toBe(503);
    proxies.sqs!.down = false;
    // No retry from the caller: once the grace period has passed, the periodic sweeper queues the delivery.
    const started = Date.now();
    await eventually(async () => (receiver.requests.some((r) => r.path === '/abandoned') ? true : undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(receiver.requests.filter((r) => r.path === '/abandoned')).toHaveLength(1);
  });
});

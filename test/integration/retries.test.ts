import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

/** Compressed schedule: first attempt, then retries 1 s, 2 s and 3 s after each failure. */
const SCHEDULE = [1000, 2000, 3000];

describe('retries on the schedule, then the DLQ (RETRY_SCHEDULE=1s,2s,3s)', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  /** Per path: how many failures before answering 200 (Infinity: always fail). */
  const failuresBeforeSuccess = new Map<string, number>();
  const seen = new Map<string, number>();

  beforeAll(async () => {
    receiver = await startReceiver((request) => {
      const n = (seen.get(request.path) ?? 0) + 1;
      seen.set(request.path, n);
      const failures = failuresBeforeSuccess.get(request.path) ?? 0;
      if (n <= failures)
        return request.path.includes('slow-down')
          ? { status: 429, headers: { 'Retry-After': '2' } }
          : { status: 500, body: 'boom' };
      return { status: 200, body: 'ok' };
    });
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s,2s,3s' }, sweepIntervalMs: 60_000 });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const setup = async (path: string, failures: number) => {
    failuresBeforeSuccess.set(path, failures);
    const endpoint = await api.createEndpoint({
      tenantId: tenantOf(path),
      url: `${receiver.url}${path}`,
      events: ['*'],
    });
    expect(endpoint.status).toBe(201);
  };
  const tenantOf = (path: string) => `retry${path.replace('/', '-')}`;
  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

  it('retries a receiver that fails twice and records 3 attempts, spaced no less than the schedule', async () => {
    await setup('/flaky', 2);
    const published = await api.publish({
      tenantId: tenantOf('/flaky'),
      type: 'order.created',
      data: { n: 1 },
    });
    const deliveryId = published.body.deliveries.find(() => true).id;
    const delivery = await eventually(async () => {
      const r = await api.delivery(tenantOf('/flaky'), deliveryId);
      return r.body?.status === 'succeeded' ? r.body : undefined;
    });
    expect(delivery.attemptCount).toBe(3);
    expect(delivery.attempts.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([
      500, 500, 200,
    ]);
    expect(delivery.attempts.map((a: { number: number }) => a.number)).toEqual([1, 2, 3]);
    expect(delivery.attempts[0].errorClass).toBe('http_status');
    const times = arrivals('/flaky').map((r) => r.receivedAt);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(SCHEDULE[0]!);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(SCHEDULE[1]!);
    // The same delivery id and the same body bytes on every attempt.
    const requests = arrivals('/flaky');
    expect(new Set(requests.map((r) => r.headers['yumkiosk-delivery'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
  });

  it('gives up after the last retry: 4 attempts, status failed, message in the DLQ', async () => {
    await setup('/dead', Number.POSITIVE_INFINITY);
    const published = await api.publish({
      tenantId: tenantOf('/dead'),
      type: 'order.created',
      data: { n: 2 },
    });
    const deliveryId = published.body.deliveries.find(() => true).id;
    const delivery = await eventually(
      async () => {
        const r = await api.delivery(tenantOf('/dead'), deliveryId);
        return r.body?.status === 'failed' ? r.body : undefined;
      },
      30_000,
      'delivery failed',
    );
    expect(delivery.attemptCount).toBe(4);
    expect(delivery.nextAttemptAt).toBeUndefined();
    expect(delivery.failureReason).toContain('4 attempts');
    const times = arrivals('/dead').map((r) => r.receivedAt);
    expect(times).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(SCHEDULE[i - 1]!);
    const health = await eventually(async () => {
      const h = await api.health();
      return h.body.queues['webhook-deliveries-dlq.fifo'].visible >= 1 ? h.body : undefined;
    });
    expect(health.queues['webhook-deliveries-dlq.fifo'].visible).toBe(1);
    // Never retried automatically again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(arrivals('/dead')).toHaveLength(4);
  });

  it('waits no less than Retry-After on 429, capped at twice the scheduled delay', async () => {
    await setup('/slow-down', 1);
    const published = await api.publish({
      tenantId: tenantOf('/slow-down'),
      type: 'order.created',
      data: { n: 3 },
    });
    const deliveryId = published.body.deliveries.find(() => true).id;
    await eventually(async () => {
      const r = await api.delivery(tenantOf('/slow-down'), deliveryId);
      return r.body?.status === 'succeeded' ? r.body : undefined;
    });
    const times = arrivals('/slow-down').map((r) => r.receivedAt);
    expect(times).toHaveLength(2);
    // Retry-After: 2 against a 1 s schedule: wait 2 s (the cap, 2 x 1 s, allows it).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2000);
  });
});

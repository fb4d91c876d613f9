import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

/** Per-endpoint `rateLimit` through the local runtime (issue 14). */
describe('endpoint rate limit', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s,1s,1s' } });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

  it('never exceeds the rate, keeps order, and does not hold up another endpoint', async () => {
    const slow = await api.createEndpoint({
      tenantId: 'rl',
      url: `${receiver.url}/slow`,
      events: ['order.created'],
      ordering: 'strict',
      rateLimit: 4,
    });
    expect(slow.status, slow.text).toBe(201);
    expect(slow.body.rateLimit).toBe(4);
    const fast = await api.createEndpoint({
      tenantId: 'rl',
      url: `${receiver.url}/fast`,
      events: ['kiosk.paired'],
    });
    expect(fast.status).toBe(201);

    const published = await api.call('POST', '/v1/events/batch', {
      events: Array.from({ length: 12 }, (_, n) => ({ tenantId: 'rl', type: 'order.created', data: { n } })),
    });
    expect(published.status, published.text).toBe(207);
    const start = Date.now();
    expect((await api.publish({ tenantId: 'rl', type: 'kiosk.paired', data: {} })).status).toBe(202);

    await eventually(async () => (arrivals('/slow').length >= 12 ? true : undefined), 20_000, '12 at /slow');
    const times = arrivals('/slow').map((r) => r.receivedAt);
    // 4 per second: any 4 consecutive sends span at least a second (a few ms of slack for the clock).
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(990);
    expect(arrivals('/slow').map((r) => JSON.parse(r.body).data.n)).toEqual([...Array(12).keys()]);
    // The other endpoint got its event at once, not after the throttled backlog (about 3 s).
    await eventually(async () => (arrivals('/fast').length >= 1 ? true : undefined), 5_000, '/fast');
    expect(arrivals('/fast')[0]!.receivedAt - start).toBeLessThan(1500);
  });

  it('is validated, shown in reads, and removed with null', async () => {
    for (const bad of [0, 1.5, 1001, '5']) {
      const r = await api.createEndpoint({
        tenantId: 'rl',
        url: `${receiver.url}/x`,
        events: ['*'],
        rateLimit: bad,
      });
      expect([bad, r.status, r.body.error.fields[0].field]).toEqual([bad, 422, 'rateLimit']);
    }
    const ep = await api.createEndpoint({
      tenantId: 'rl',
      url: `${receiver.url}/y`,
      events: ['*'],
      rateLimit: 10,
    });
    const path = `/v1/endpoints/${ep.body.id}?tenantId=rl`;
    expect((await api.call('GET', path)).body.rateLimit).toBe(10);
    expect((await api.call('PATCH', path, { description: 'kept' })).body.rateLimit).toBe(10);
    const cleared = await api.call('PATCH', path, { rateLimit: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty('rateLimit');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../clients/receiver';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

/**
 * Issue 14's endpoint health through the local runtime, with a compressed schedule and ENDPOINT_DISABLE_AFTER
 * of 3 s: an endpoint failing until it is disabled, the operational events arriving signed at the operational
 * tenant's endpoint, events held while disabled and sent in publish order on enable, and recover.
 */
describe('endpoint health: auto-disable, held deliveries, operational events', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let down = true;
  let ops: { id: string; secret: string };
  let shop: { id: string };
  const published: string[] = [];

  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);
  const opsEvents = () =>
    arrivals('/ops').map((r) => ({ request: r, event: JSON.parse(r.body) as Record<string, unknown> }));
  const endpoint = async (tenantId: string, id: string) =>
    (await api.call('GET', `/v1/endpoints/${id}?tenantId=${tenantId}`)).body;
  const listed = async (query: string) =>
    (await api.call('GET', `/v1/deliveries?tenantId=shop&endpointId=${shop.id}&${query}`)).body.items as {
      id: string;
      eventId: string;
      status: string;
    }[];

  beforeAll(async () => {
    receiver = await startReceiver((request) =>
      request.path === '/shop' && down ? { status: 500, body: 'down' } : { status: 200, body: 'ok' },
    );
    runtime = await startTestRuntime({
      env: { RETRY_SCHEDULE: '1s,1s', ENDPOINT_DISABLE_AFTER: '3s' },
    });
    api = apiClient(runtime.url);
    const created = await api.createEndpoint({
      tenantId: '_operational',
      url: `${receiver.url}/ops`,
      events: ['endpoint.disabled', 'endpoint.enabled', 'delivery.failed'],
    });
    expect(created.status, created.text).toBe(201);
    ops = created.body;
    const mine = await api.createEndpoint({ tenantId: 'shop', url: `${receiver.url}/shop`, events: ['*'] });
    expect(mine.status, mine.text).toBe(201);
    shop = mine.body;
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('refuses operational types and the operational tenant to publishers, and product types to its endpoints', async () => {
    const typed = await api.publish({ tenantId: 'shop', type: 'endpoint.disabled', data: {} });
    expect(typed.status).toBe(422);
    expect(typed.body.error.fields[0].field).toBe('type');
    const tenant = await api.publish({ tenantId: '_operational', type: 'order.created', data: {} });
    expect(tenant.status).toBe(422);
    expect(tenant.body.error.fields[0].field).toBe('tenantId');
    const sub = await api.createEndpoint({
      tenantId: '_operational',
      url: `${receiver.url}/ops2`,
      events: ['order.created'],
    });
    expect(sub.status).toBe(422);
    expect(sub.body.error.fields[0].field).toBe('events.0');
    // The catalog its endpoints pick from is the operational one.
    const types = await api.call('GET', '/v1/event-types?tenantId=_operational');
    expect(types.body.items.map((t: { type: string }) => t.type)).toEqual([
      'endpoint.disabled',
      'endpoint.enabled',
      'delivery.failed',
    ]);
    const product = await api.call('GET', '/v1/event-types');
    expect(product.body.items.map((t: { type: string }) => t.type)).toContain('order.created');
  });

  it('disables an endpoint whose every attempt failed for ENDPOINT_DISABLE_AFTER, and says so signed', async () => {
    // Three events a second apart: attempts fail from t=0 to t=4 s, past the 3 s streak.
    for (let i = 0; i < 3; i++) {
      const r = await api.publish({ tenantId: 'shop', type: 'order.created', data: { n: i } });
      expect(r.status).toBe(202);
      await new Promise((done) => setTimeout(done, 1000));
    }
    const disabled = await eventually(
      async () => {
        const ep = await endpoint('shop', shop.id);
        return ep.status === 'disabled' ? ep : undefined;
      },
      15_000,
      'the endpoint disabled',
    );
    expect(disabled.disabledReason).toMatch(/every attempt failed since .* \(ENDPOINT_DISABLE_AFTER 3s\)/);
    expect(Date.parse(disabled.disabledAt) - Date.parse(disabled.failingSince)).toBeGreaterThanOrEqual(3000);

    const notice = await eventually(
      async () => opsEvents().find((e) => e.event.event === 'endpoint.disabled'),
      10_000,
      'endpoint.disabled at the operational endpoint',
    );
    expect(notice.event.data).toMatchObject({
      tenantId: 'shop',
      endpointId: shop.id,
      reason: disabled.disabledReason,
      url: `${receiver.url}/shop`,
    });
    expect(verify(notice.request.rawBody, notice.request.headers, ops.secret)).toBe(true);
    expect(notice.request.headers['yumkiosk-event']).toBe('endpoint.disabled');

    // The deliveries given up on (schedule ended, or the endpoint disabled under them) were reported too.
    const failed = await eventually(
      async () => {
        const list = opsEvents().filter((e) => e.event.event === 'delivery.failed');
        return list.length >= 3 ? list : undefined;
      },
      15_000,
      'three delivery.failed at the operational endpoint',
    );
    for (const { event } of failed) {
      expect(event.data).toMatchObject({ tenantId: 'shop', endpointId: shop.id });
      expect(String((event.data as { reason: string }).reason)).toMatch(/gave up after|endpoint is disabled/);
    }
  });

  it('keeps events published while disabled as held, with no attempt', async () => {
    down = false;
    const before = arrivals('/shop').length;
    for (let i = 0; i < 5; i++) {
      const r = await api.publish({ tenantId: 'shop', type: 'order.created', id: `held-${i}`, data: { i } });
      expect(r.status).toBe(202);
      expect(r.body.deliveries).toHaveLength(1);
      published.push(`held-${i}`);
    }
    const held = await listed('status=held');
    expect(held.map((d) => d.eventId).sort()).toEqual(published);
    const one = await api.delivery('shop', held[0]!.id);
    expect(one.body).toMatchObject({ status: 'held', attemptCount: 0, attempts: [] });
    await new Promise((done) => setTimeout(done, 1500));
    expect(arrivals('/shop').length).toBe(before);
  });

  it('sends the held events in publish order when the endpoint is enabled, and says so', async () => {
    const before = arrivals('/shop').length;
    const enabled = await api.call('PATCH', `/v1/endpoints/${shop.id}?tenantId=shop`, { status: 'enabled' });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.body.status).toBe('enabled');
    expect(enabled.body.failingSince).toBeUndefined();
    expect(enabled.body.disabledReason).toBeUndefined();
    const sent = await eventually(
      async () => {
        const list = arrivals('/shop').slice(before);
        return list.length >= published.length ? list : undefined;
      },
      15_000,
      'the held deliveries sent',
    );
    expect(sent.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(published);
    await eventually(
      async () => ((await listed('status=succeeded')).length >= published.length ? true : undefined),
      10_000,
      'held deliveries succeeded',
    );
    expect(await listed('status=held')).toEqual([]);
    await eventually(
      async () => opsEvents().find((e) => e.event.event === 'endpoint.enabled'),
      10_000,
      'endpoint.enabled at the operational endpoint',
    );
  });

  it('recover since the outage sends the deliveries that failed before the endpoint was disabled', async () => {
    const failed = await listed('status=failed');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    const since = new Date(Date.now() - 60_000).toISOString();
    const r = await api.call('POST', `/v1/endpoints/${shop.id}/recover?tenantId=shop`, { since });
    expect(r.status, r.text).toBe(202);
    expect(r.body.requeued).toBe(failed.length);
    await eventually(
      async () => ((await listed('status=failed')).length === 0 ? true : undefined),
      15_000,
      'recovered deliveries succeeded',
    );
  });

  it("does not report an operational endpoint's own failures to itself", async () => {
    const opsEnd = await api.createEndpoint({
      tenantId: '_operational',
      url: `${receiver.url}/ops-gone`,
      events: ['*'],
    });
    expect(opsEnd.status).toBe(201);
    // Its receiver answers 410 to everything from now: disabled at its first delivery.
    const previous = receiver.respond;
    receiver.respond = (request, i) =>
      request.path === '/ops-gone' ? { status: 410, body: 'gone' } : previous(request, i);
    const toggled = await api.call('PATCH', `/v1/endpoints/${shop.id}?tenantId=shop`, { status: 'disabled' });
    expect(toggled.status).toBe(200);
    await eventually(
      async () => ((await endpoint('_operational', opsEnd.body.id)).status === 'disabled' ? true : undefined),
      10_000,
      'the operational endpoint disabled by its 410',
    );
    await new Promise((done) => setTimeout(done, 1500));
    // One delivery to it (the shop's endpoint.disabled), and nothing about itself after that.
    const own = arrivals('/ops-gone').map((r) => JSON.parse(r.body) as { data: { endpointId: string } });
    expect(own.length).toBe(1);
    expect(own.every((e) => e.data.endpointId !== opsEnd.body.id)).toBe(true);
    const about = opsEvents().filter(
      (e) => (e.event.data as { endpointId: string }).endpointId === opsEnd.body.id,
    );
    expect(about).toEqual([]);
  });
});

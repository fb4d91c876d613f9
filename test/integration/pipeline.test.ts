import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, countItems, eventually, startTestRuntime } from '../support/runtime';

/** Written here, independently of lambdas/domain/signature.ts, from the YumKiosk page. */
function verifyYumKiosk(rawBody: Buffer, header: string, secret: string, nowSeconds: number): boolean {
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return parts
    .filter(([k]) => k === 'v1')
    .some(([, v]) => {
      const given = Buffer.from(v, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('core pipeline through the local runtime', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  const itemCount = () => countItems(runtime);

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('delivers a published event as a signed POST and records the delivery succeeded', async () => {
    const created = await api.createEndpoint({
      tenantId: 'acme',
      url: `${receiver.url}/hooks`,
      events: ['order.created'],
      description: 'POS sync',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: 'acme', status: 'enabled', events: ['order.created'] });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.body.secret.slice(6), 'base64')).toHaveLength(32);

    const published = await api.publish({
      tenantId: 'acme',
      type: 'order.created',
      data: { orderId: 'o-1', total: 1250 },
    });
    expect(published.status).toBe(202);
    expect(published.body.deliveries).toEqual([
      { id: expect.stringMatching(/^dlv_/), endpointId: created.body.id },
    ]);

    const [request] = await receiver.waitFor(1);
    expect(request!.path).toBe('/hooks');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('YumKiosk-Webhook/1.0');
    expect(request!.headers['yumkiosk-event']).toBe('order.created');
    expect(request!.headers['yumkiosk-delivery']).toBe(published.body.deliveries[0].id);
    const signature = String(request!.headers['yumkiosk-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(
      verifyYumKiosk(request!.rawBody, signature, created.body.secret, Math.floor(Date.now() / 1000)),
    ).toBe(true);
    expect(verifyYumKiosk(request!.rawBody, signature, 'whsec_wrong', Math.floor(Date.now() / 1000))).toBe(
      false,
    );

    const envelope = JSON.parse(request!.body);
    expect(Object.keys(envelope)).toEqual(['id', 'event', 'created_at', 'data']);
    expect(envelope).toMatchObject({
      id: published.body.id,
      event: 'order.created',
      data: { orderId: 'o-1', total: 1250 },
    });
    expect(new Date(envelope.created_at).toISOString()).toBe(envelope.created_at);

    const delivery = await eventually(async () => {
      const r = await api.delivery('acme', published.body.deliveries[0].id);
      return r.body?.status === 'succeeded' ? r.body : undefined;
    });
    expect(delivery.attemptCount).toBe(1);
    expect(delivery.attempts[0]).toMatchObject({ number: 1, responseStatus: 200, responseBody: 'ok' });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(delivery)).not.toContain(created.body.secret);
  });

  it('fans out to every enabled endpoint subscribed to the type or to "*", and to no other', async () => {
    const a = await api.createEndpoint({
      tenantId: 'fan',
      url: `${receiver.url}/a`,
      events: ['invoice.paid'],
    });
    const b = await api.createEndpoint({ tenantId: 'fan', url: `${receiver.url}/b`, events: ['*'] });
    await api.createEndpoint({ tenantId: 'fan', url: `${receiver.url}/c`, events: ['kiosk.paired'] });
    const before = receiver.requests.length;
    const published = await api.publish({ tenantId: 'fan', type: 'invoice.paid', data: {} });
    expect(published.status).toBe(202);
    expect(published.body.deliveries.map((d: { endpointId: string }) => d.endpointId).sort()).toEqual(
      [a.body.id, b.body.id].sort(),
    );
    const got = await receiver.waitFor(before + 2);
    expect(
      got
        .slice(before)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/a', '/b']);
  });

  it('answers 202 with no deliveries for a tenant without endpoints', async () => {
    const published = await api.publish({ tenantId: 'nobody', type: 'order.created', data: { x: 1 } });
    expect(published.status).toBe(202);
    expect(published.body).toEqual({ id: expect.stringMatching(/^evt_/), deliveries: [] });
  });

  it('rejects bad input with a clear status and stores nothing', async () => {
    const before = await itemCount();
    const malformed = await api.call('POST', '/v1/events', undefined, '{"tenantId":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_request');

    const schema = await api.publish({ tenantId: 'acme', type: 'order.created', data: [1, 2] });
    expect(schema.status).toBe(422);
    expect(schema.body.error.fields).toEqual([{ field: 'data', message: 'must be a JSON object' }]);

    const missing = await api.publish({ type: 'order.created', data: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.error.fields[0].field).toBe('tenantId');

    const unknownType = await api.publish({ tenantId: 'acme', type: 'order.exploded', data: {} });
    expect(unknownType.status).toBe(422);
    expect(unknownType.body.error.fields[0]).toMatchObject({ field: 'type' });
    expect(unknownType.body.error.message).toContain('order.exploded');

    const big = await api.publish({
      tenantId: 'acme',
      type: 'order.created',
      data: { blob: 'x'.repeat(256 * 1024) },
    });
    expect(big.status).toBe(413);

    const badUtf8 = await api.call('POST', '/v1/events', undefined, Buffer.from([0x7b, 0xff, 0x7d]));
    expect(badUtf8.status).toBe(400);

    const badEndpoint = await api.createEndpoint({
      tenantId: 'acme',
      url: 'not a url',
      events: ['order.created'],
    });
    expect(badEndpoint.status).toBe(422);
    expect(badEndpoint.body.error.fields[0].field).toBe('url');

    expect((await api.call('GET', '/v1/nothing-here')).status).toBe(404);
    const wrongMethod = await api.call('DELETE', '/v1/events');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');

    expect(await itemCount()).toBe(before);
  });

  it('reports every queue, the DLQ included, on the health route', async () => {
    const health = await api.health();
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const names = Object.keys(health.body.queues);
    expect(names).toEqual(expect.arrayContaining(['webhook-deliveries.fifo', 'webhook-deliveries-dlq.fifo']));
    expect(names.some((n) => n.includes('dlq'))).toBe(true);
    for (const depth of Object.values(health.body.queues)) {
      expect(depth).toEqual({
        visible: expect.any(Number),
        inFlight: expect.any(Number),
        delayed: expect.any(Number),
      });
    }
  });
});

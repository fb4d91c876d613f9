/**
 * The HTTP contract through the local runtime: 415 for non-JSON bodies, the body-must-be-an-object
 * message, rotation's expireAllPrevious, and answers holding exactly the documented fields.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeliveryDetailSchema,
  DeliverySummarySchema,
  EndpointViewSchema,
} from '../../lambdas/http/responses';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

function signedWith(header: string, body: string, secret: string): boolean {
  const parts = header.split(',');
  const t = parts.find((p) => p.startsWith('t='))!.slice(2);
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some((p) => p === `v1=${expected}`);
}

const keysOf = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);

describe('API contract through the local runtime', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('answers 415 to a body sent as text/plain or a form, and stores nothing', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(`${runtime.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ tenantId: 'ct', type: 'order.created', data: {}, id: 'ct-1' }),
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'unsupported_media_type',
      );
    }
    const json = await api.publish({ tenantId: 'ct', type: 'order.created', data: {}, id: 'ct-1' });
    expect(json.status).toBe(202);
  });

  it('says the body must be a JSON object when it is an array', async () => {
    const r = await api.call('POST', '/v1/endpoints', [{ tenantId: 'x' }]);
    expect(r.status).toBe(422);
    expect(r.body.error.fields).toEqual([{ field: '', message: 'the request body must be a JSON object' }]);
    const n = await api.publish({ tenantId: 42, type: 'order.created', data: {} });
    expect(n.body.error.message).toBe('tenantId: must be a string');
  });

  it('retires every previous secret at once with expireAllPrevious', async () => {
    const created = await api.createEndpoint({
      tenantId: 'leak',
      url: `${receiver.url}/leak`,
      events: ['*'],
    });
    const ep = created.body as { id: string; secret: string };
    const rotate = (body: unknown) =>
      api.call('POST', `/v1/endpoints/${ep.id}/rotate-secret?tenantId=leak`, body);
    const graced = await rotate({ expireCurrentInSeconds: 3600 });
    expect(graced.status).toBe(200);
    const refused = await rotate({ expireAllPrevious: true, expireCurrentInSeconds: 60 });
    expect(refused.status).toBe(422);
    expect(refused.body.error.fields[0].field).toBe('expireCurrentInSeconds');
    const before = Date.now();
    const final = await rotate({ expireAllPrevious: true });
    expect(final.status).toBe(200);
    expect(Date.parse(final.body.previousExpiresAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(final.body.previousExpiresAt)).toBeGreaterThanOrEqual(before - 1000);

    const mark = receiver.requests.length;
    await api.publish({ tenantId: 'leak', type: 'invoice.paid', data: { n: 1 } });
    const [request] = (await receiver.waitFor(mark + 1)).slice(mark);
    const header = String(request!.headers['yumkiosk-signature']);
    expect(header.match(/v1=/g)).toHaveLength(1);
    expect(signedWith(header, request!.body, final.body.secret)).toBe(true);
    expect(signedWith(header, request!.body, graced.body.secret)).toBe(false);
    expect(signedWith(header, request!.body, ep.secret)).toBe(false);
  });

  it('answers with exactly the documented fields: no secrets, no internal ones', async () => {
    const created = await api.createEndpoint({
      tenantId: 'shape',
      url: `${receiver.url}/shape`,
      events: ['*'],
    });
    const id = created.body.id as string;
    const read = await api.call('GET', `/v1/endpoints/${id}?tenantId=shape`);
    for (const key of Object.keys(read.body)) expect(keysOf(EndpointViewSchema)).toContain(key);
    expect(read.body).not.toHaveProperty('secrets');
    const published = await api.publish({ tenantId: 'shape', type: 'order.created', data: { a: 1 } });
    const deliveryId = published.body.deliveries[0].id as string;
    const detail = await eventually(async () => {
      const r = await api.delivery('shape', deliveryId);
      return r.body?.status === 'succeeded' ? r.body : undefined;
    });
    for (const key of Object.keys(detail)) expect(keysOf(DeliveryDetailSchema), key).toContain(key);
    expect(detail).not.toHaveProperty('sweepAt');
    const list = await api.call('GET', `/v1/deliveries?tenantId=shape&endpointId=${id}`);
    for (const item of list.body.items)
      for (const key of Object.keys(item)) expect(keysOf(DeliverySummarySchema), key).toContain(key);
  });
});

/**
 * A deployment with SIGNATURE_SCHEME=standard-webhooks, through the local runtime: what reaches a receiver
 * passes the reference verifier (npm `standardwebhooks`) and clients/receiver.ts, and merchant-chosen
 * secrets must be in the form that verifier decodes.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify, verifyStandardWebhook } from '../../clients/receiver';
import type { Runtime } from '../../local/runtime';
import { type ReceivedRequest, type Receiver, startReceiver } from '../support/receiver';
import { apiClient, startTestRuntime } from '../support/runtime';

/** Node's IncomingHttpHeaders flattened to the plain string record the package takes. */
function plainHeaders(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
  );
}

describe('Standard Webhooks signing scheme', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime({ env: { SIGNATURE_SCHEME: 'standard-webhooks' } });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const deliverOne = async (tenantId: string, secret: string | undefined, data: Record<string, unknown>) => {
    const created = await api.createEndpoint({
      tenantId,
      url: `${receiver.url}/${tenantId}`,
      events: ['*'],
      ...(secret ? { secret } : {}),
    });
    expect(created.status).toBe(201);
    const before = receiver.requests.length;
    const published = await api.publish({ tenantId, type: 'order.created', data });
    expect(published.status).toBe(202);
    const [request] = (await receiver.waitFor(before + 1)).slice(before);
    return { request: request!, endpoint: created.body as { id: string; secret: string }, published };
  };

  it('delivers requests the standardwebhooks package and verifyStandardWebhook both accept', async () => {
    const data = { item: 'Crème brûlée ☕', total: 1299 };
    const { request, endpoint, published } = await deliverOne('swh', undefined, data);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const headers = plainHeaders(request);
    expect(headers['webhook-id']).toBe(published.body.deliveries[0].id);
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(headers['yumkiosk-signature']).toBeUndefined();

    const payload = new Webhook(endpoint.secret).verify(request.body, headers) as { data: unknown };
    expect(payload.data).toEqual(data);
    expect(new Webhook(endpoint.secret).verify(request.rawBody, headers)).toEqual(payload);
    expect(verifyStandardWebhook(request.rawBody, request.headers, endpoint.secret)).toBe(true);
    expect(verifyStandardWebhook(request.body, headers, endpoint.secret)).toBe(true);

    // Tampering is caught by both; the default-scheme verifier finds no header of its own.
    const tampered = request.body.replace('1299', '1300');
    expect(() => new Webhook(endpoint.secret).verify(tampered, headers)).toThrow();
    expect(verifyStandardWebhook(tampered, headers, endpoint.secret)).toBe(false);
    const stranger = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(stranger).verify(request.body, headers)).toThrow();
    expect(verifyStandardWebhook(request.rawBody, headers, stranger)).toBe(false);
    expect(verify(request.rawBody, headers, endpoint.secret)).toBe(false);
  });

  it('signs with a merchant-chosen whsec_ secret', async () => {
    const chosen = `whsec_${randomBytes(24).toString('base64')}`;
    const { request, endpoint } = await deliverOne('swh-chosen', chosen, { n: 1 });
    expect(endpoint.secret).toBe(chosen);
    expect(() => new Webhook(chosen).verify(request.body, plainHeaders(request))).not.toThrow();
    expect(verifyStandardWebhook(request.rawBody, request.headers, chosen)).toBe(true);
  });

  it('rejects with 422 on `secret` a merchant-chosen secret that is not whsec_ + base64', async () => {
    for (const secret of [
      'merchant-chosen-secret-0123456789',
      `whsec_${randomBytes(8).toString('base64')}`,
      `whsec_${'*'.repeat(40)}`,
    ]) {
      const r = await api.createEndpoint({
        tenantId: 'swh-bad',
        url: `${receiver.url}/bad`,
        events: ['*'],
        secret,
      });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['secret']);
      expect(r.text).not.toContain(secret);
    }
  });

  it('during a rotation sends both signatures; a receiver holding either secret verifies', async () => {
    const { endpoint } = await deliverOne('swh-rotate', undefined, { n: 0 });
    const rotated = await api.call('POST', `/v1/endpoints/${endpoint.id}/rotate-secret?tenantId=swh-rotate`, {
      expireCurrentInSeconds: 3600,
    });
    expect(rotated.status).toBe(200);
    const before = receiver.requests.length;
    await api.publish({ tenantId: 'swh-rotate', type: 'order.created', data: { n: 1 } });
    const [request] = (await receiver.waitFor(before + 1)).slice(before);
    const headers = plainHeaders(request!);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret as string]) {
      expect(() => new Webhook(secret).verify(request!.body, headers)).not.toThrow();
      expect(verifyStandardWebhook(request!.rawBody, headers, secret)).toBe(true);
    }
  });
});

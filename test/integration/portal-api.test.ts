/**
 * The portal API through the local runtime: tokens minted on the owner API, every portal operation scoped
 * to the token's tenant (another tenant's ids answer 404 and change nothing), and expired, altered or
 * missing tokens refused with 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, startTestRuntime } from '../support/runtime';

describe('portal API', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let offsetMs = 0;
  let acmeEndpoint = '';
  let otherEndpoint = '';
  let otherDelivery = '';

  const portal = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.url}/portal/v1${path}`, {
      method,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test convenience over arbitrary JSON answers.
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const mint = async (tenantId: string, ttlSeconds?: number) => {
    const out = await api.call('POST', '/v1/portal-tokens', {
      tenantId,
      ...(ttlSeconds ? { ttlSeconds } : {}),
    });
    expect(out.status).toBe(201);
    return out.body as { token: string; url: string; expiresAt: string };
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime({ clock: { now: () => Date.now() + offsetMs } });
    api = apiClient(runtime.url);
    acmeEndpoint = (await api.createEndpoint({ tenantId: 'acme', url: `${receiver.url}/a`, events: ['*'] }))
      .body.id;
    otherEndpoint = (await api.createEndpoint({ tenantId: 'other', url: `${receiver.url}/o`, events: ['*'] }))
      .body.id;
    const published = await api.publish({ tenantId: 'other', type: 'order.created', data: { n: 1 } });
    otherDelivery = published.body.deliveries[0].id;
    await receiver.waitFor(1);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('mints a token whose url opens the page, and a 1 h default lifetime', async () => {
    const before = Date.now();
    const out = await mint('acme');
    expect(out.url).toBe(`${runtime.url}/portal#token=${out.token}`);
    const lifetime = Date.parse(out.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(3_590_000);
    expect(lifetime).toBeLessThan(3_610_000);
    const page = await fetch(`${runtime.url}/portal`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).not.toMatch(/<script>|<style>|style=/);
    // With a trailing slash the relative asset URLs would miss: sent to /portal instead.
    const slash = await fetch(`${runtime.url}/portal/`, { redirect: 'manual' });
    expect([slash.status, slash.headers.get('location')]).toEqual([308, '../portal']);
    expect(new URL('../portal', `${runtime.url}/portal/`).pathname).toBe('/portal');
  });

  it('refuses a TTL outside 60 s to 24 h, naming the field', async () => {
    for (const ttlSeconds of [59, 86_401, 1.5]) {
      const out = await api.call('POST', '/v1/portal-tokens', { tenantId: 'acme', ttlSeconds });
      expect(out.status).toBe(422);
      expect(out.body.error.fields[0].field).toBe('ttlSeconds');
    }
  });

  it("shows a tenant token its own endpoints only, and answers 404 for another tenant's ids", async () => {
    const { token } = await mint('acme');
    const list = await portal(token, 'GET', '/endpoints');
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([acmeEndpoint]);
    expect((await portal(token, 'GET', `/endpoints/${otherEndpoint}`)).status).toBe(404);
    expect((await portal(token, 'PATCH', `/endpoints/${otherEndpoint}`, { status: 'disabled' })).status).toBe(
      404,
    );
    expect((await portal(token, 'DELETE', `/endpoints/${otherEndpoint}`)).status).toBe(404);
    expect((await portal(token, 'GET', `/deliveries/${otherDelivery}`)).status).toBe(404);
    expect((await portal(token, 'POST', `/deliveries/${otherDelivery}/replay`)).status).toBe(404);
    const still = await api.call('GET', `/v1/endpoints/${otherEndpoint}?tenantId=other`);
    expect(still.body.status).toBe('enabled');
  });

  it('refuses with 403 a tenant token that names another tenant, and creates nothing there', async () => {
    const { token } = await mint('acme');
    const named = await portal(token, 'GET', '/endpoints?tenantId=other');
    expect(named.status).toBe(403);
    expect(named.body.error.message).toContain('acme');
    const created = await portal(token, 'POST', '/endpoints', {
      tenantId: 'other',
      url: `${receiver.url}/sneaky`,
      events: ['*'],
    });
    expect(created.status).toBe(403);
    const others = await api.call('GET', '/v1/endpoints?tenantId=other');
    expect(others.body.items).toHaveLength(1);
  });

  it("creates an endpoint in the token's tenant when the body names none", async () => {
    const { token } = await mint('acme');
    const created = await portal(token, 'POST', '/endpoints', { url: `${receiver.url}/b`, events: ['*'] });
    expect(created.status).toBe(201);
    expect(created.body.tenantId).toBe('acme');
    expect(created.body.secret).toBeTruthy();
    expect((await portal(token, 'DELETE', `/endpoints/${created.body.id}`)).status).toBe(204);
  });

  it('lets an operator token act for any tenant it names, and asks it to name one', async () => {
    const { token } = await mint('*');
    expect((await portal(token, 'GET', '/session')).body).toMatchObject({ tenantId: '*', operator: true });
    const other = await portal(token, 'GET', '/endpoints?tenantId=other');
    expect(other.body.items.map((e: { id: string }) => e.id)).toEqual([otherEndpoint]);
    const none = await portal(token, 'GET', '/endpoints');
    expect(none.status).toBe(422);
    expect(none.body.error.fields[0].field).toBe('tenantId');
  });

  it('refuses missing, altered and foreign tokens with 401', async () => {
    const { token } = await mint('acme');
    expect((await portal(undefined, 'GET', '/endpoints')).status).toBe(401);
    const [head, payload, sig] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tid: 'other' }),
    ).toString('base64url');
    const altered = await portal(`${head}.${forged}.${sig}`, 'GET', '/endpoints');
    expect(altered.status).toBe(401);
    expect(altered.body.error.code).toBe('unauthorized');
    expect((await portal('not-a-jwt', 'GET', '/endpoints')).status).toBe(401);
  });

  it('refuses an expired token with a sign-in-again message', async () => {
    const { token } = await mint('acme', 60);
    expect((await portal(token, 'GET', '/session')).status).toBe(200);
    offsetMs = 61_000;
    try {
      const expired = await portal(token, 'GET', '/endpoints');
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toMatch(/expired.*sign in again/i);
    } finally {
      offsetMs = 0;
    }
  });

  it('has no publishing and no minting on the portal API', async () => {
    const { token } = await mint('acme');
    expect((await portal(token, 'POST', '/events', { type: 'order.created', data: {} })).status).toBe(404);
    expect((await portal(token, 'POST', '/portal-tokens', { tenantId: '*' })).status).toBe(404);
  });
});

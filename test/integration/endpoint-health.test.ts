import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

/** Custom headers, payload filters and 410 Gone, through the local runtime (issue 14, three parts). */
describe('endpoint health: custom headers, filters, 410 Gone', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver((request) =>
      request.path.startsWith('/gone') ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' },
    );
    runtime = await startTestRuntime({ env: { RETRY_SCHEDULE: '1s,1s,1s' } });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const create = async (tenantId: string, path: string, extra: Record<string, unknown> = {}) => {
    const r = await api.createEndpoint({ tenantId, url: `${receiver.url}${path}`, events: ['*'], ...extra });
    expect(r.status, r.text).toBe(201);
    return r.body as { id: string; secret: string; headers?: Record<string, string> };
  };
  const get = (tenantId: string, id: string) => api.call('GET', `/v1/endpoints/${id}?tenantId=${tenantId}`);
  const final = (tenantId: string, id: string) =>
    eventually(
      async () => {
        const r = await api.delivery(tenantId, id);
        return r.body?.status && r.body.status !== 'pending' ? r.body : undefined;
      },
      15_000,
      `delivery ${id} final`,
    );
  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

  describe('custom headers', () => {
    it('sends them with every delivery, masks secret-looking values in reads and the log', async () => {
      const ep = await create('hdr', '/hdr', {
        headers: { 'X-Api-Key': 'key-123', Authorization: 'Bearer tok', 'X-Route': 'eu-1' },
      });
      expect(ep.headers).toEqual({ 'X-Api-Key': '********', Authorization: '********', 'X-Route': 'eu-1' });
      const read = await get('hdr', ep.id);
      expect(read.body.headers).toEqual(ep.headers);
      expect(read.text).not.toContain('key-123');

      const published = await api.publish({ tenantId: 'hdr', type: 'order.created', data: { n: 1 } });
      const delivery = await final('hdr', published.body.deliveries[0].id);
      expect(delivery.status).toBe('succeeded');
      const [request] = arrivals('/hdr');
      expect(request!.headers['x-api-key']).toBe('key-123');
      expect(request!.headers.authorization).toBe('Bearer tok');
      expect(request!.headers['x-route']).toBe('eu-1');
      expect(request!.headers['content-type']).toBe('application/json');
      const logged = delivery.attempts[0].requestHeaders;
      expect(logged['X-Api-Key']).toBe('********');
      expect(logged['X-Route']).toBe('eu-1');
      expect(JSON.stringify(delivery)).not.toContain('key-123');
    });

    it('PATCH replaces them and {} removes them', async () => {
      const ep = await create('hdr2', '/hdr2', { headers: { 'X-Old': '1' } });
      const patched = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=hdr2`, {
        headers: { 'X-New': '2' },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.headers).toEqual({ 'X-New': '2' });
      const cleared = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=hdr2`, { headers: {} });
      expect(cleared.body.headers).toBeUndefined();
    });

    it.each([
      ['Host', 'headers.Host'],
      ['Content-Type', 'headers.Content-Type'],
      ['user-agent', 'headers.user-agent'],
      ['YumKiosk-Signature', 'headers.YumKiosk-Signature'],
      ['webhook-id', 'headers.webhook-id'],
      ['X-Amz-Security-Token', 'headers.X-Amz-Security-Token'],
    ])('refuses %s with a 422 naming it, on create and on PATCH', async (name, field) => {
      const r = await api.createEndpoint({
        tenantId: 'hdr3',
        url: `${receiver.url}/hdr3`,
        events: ['*'],
        headers: { [name]: 'x' },
      });
      expect(r.status).toBe(422);
      expect(r.body.error.fields[0].field).toBe(field);
      const ep = await create('hdr3', '/hdr3');
      const p = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=hdr3`, { headers: { [name]: 'x' } });
      expect(p.status).toBe(422);
      expect(p.body.error.fields[0].field).toBe(field);
    });

    it('refuses a value with CR/LF and a non-token name', async () => {
      const crlf = await api.createEndpoint({
        tenantId: 'hdr4',
        url: `${receiver.url}/x`,
        events: ['*'],
        headers: { 'X-A': 'v\r\nX-Injected: 1' },
      });
      expect(crlf.status).toBe(422);
      expect(crlf.body.error.fields[0].field).toBe('headers.X-A');
      const name = await api.createEndpoint({
        tenantId: 'hdr4',
        url: `${receiver.url}/x`,
        events: ['*'],
        headers: { 'X A': 'v' },
      });
      expect(name.status).toBe(422);
      expect(name.body.error.fields[0].field).toBe('headers.X A');
    });
  });

  describe('payload filters', () => {
    it('delivers only the events whose data match, and creates nothing for the others', async () => {
      const filter = { total: [{ numeric: ['>', 100] }], store: ['s1', 's2'] };
      const ep = await create('flt', '/flt', { filter });
      expect((await get('flt', ep.id)).body.filter).toEqual(filter);
      const miss = await api.publish({
        tenantId: 'flt',
        type: 'order.created',
        data: { total: 50, store: 's1' },
      });
      expect(miss.status).toBe(202);
      expect(miss.body.deliveries).toEqual([]);
      const otherStore = await api.publish({
        tenantId: 'flt',
        type: 'order.created',
        data: { total: 500, store: 's9' },
      });
      expect(otherStore.body.deliveries).toEqual([]);
      const hit = await api.publish({
        tenantId: 'flt',
        type: 'order.created',
        data: { total: 150, store: 's2' },
      });
      expect(hit.body.deliveries).toHaveLength(1);
      expect((await final('flt', hit.body.deliveries[0].id)).status).toBe('succeeded');
      const got = arrivals('/flt');
      expect(got).toHaveLength(1);
      expect(JSON.parse(got[0]!.body).data).toEqual({ total: 150, store: 's2' });
    });

    it('PATCH null removes the filter', async () => {
      const ep = await create('flt2', '/flt2', { filter: { kind: ['a'] } });
      const patched = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=flt2`, { filter: null });
      expect(patched.status).toBe(200);
      expect(patched.body.filter).toBeUndefined();
      const published = await api.publish({ tenantId: 'flt2', type: 'order.created', data: { kind: 'b' } });
      expect(published.body.deliveries).toHaveLength(1);
    });

    it('refuses a wrong pattern with a 422 naming the wrong part', async () => {
      const r = await api.createEndpoint({
        tenantId: 'flt3',
        url: `${receiver.url}/x`,
        events: ['*'],
        filter: { total: [{ numeric: ['>>', 1] }] },
      });
      expect(r.status).toBe(422);
      expect(r.body.error.fields[0].field).toBe('filter.total.0.numeric.0');
      const ep = await create('flt3', '/x');
      const p = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=flt3`, { filter: { a: 'x' } });
      expect(p.status).toBe(422);
      expect(p.body.error.fields[0].field).toBe('filter.a');
    });
  });

  describe('410 Gone', () => {
    it('ends the delivery failed after one attempt and disables the endpoint at once; PATCH re-enables', async () => {
      const ep = await create('gone', '/gone');
      const published = await api.publish({ tenantId: 'gone', type: 'order.created', data: {} });
      const delivery = await final('gone', published.body.deliveries[0].id);
      expect(delivery.status).toBe('failed');
      expect(delivery.failureReason).toBe('receiver answered 410 Gone: endpoint disabled');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0].responseStatus).toBe(410);

      const read = await get('gone', ep.id);
      expect(read.body.status).toBe('disabled');
      expect(read.body.disabledReason).toBe('receiver answered 410 Gone: endpoint disabled');
      expect(Date.parse(read.body.disabledAt)).toBeGreaterThan(0);
      // Published while disabled: held, not attempted.
      const later = await api.publish({ tenantId: 'gone', type: 'order.created', data: {} });
      expect(later.body.deliveries).toHaveLength(1);
      // Retries would have come after 1s: none does, and the held one is not sent.
      await new Promise((r) => setTimeout(r, 1500));
      expect(arrivals('/gone')).toHaveLength(1);
      expect((await api.delivery('gone', later.body.deliveries[0].id)).body.status).toBe('held');

      const enabled = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=gone`, { status: 'enabled' });
      expect(enabled.status).toBe(200);
      expect(enabled.body.status).toBe('enabled');
      expect(enabled.body.disabledAt).toBeUndefined();
      expect(enabled.body.disabledReason).toBeUndefined();
      // Enabling sends the held delivery; this receiver still answers 410, so it is disabled again.
      await eventually(
        async () => ((await get('gone', ep.id)).body.status === 'disabled' ? true : undefined),
        10_000,
        "disabled again by the held delivery's 410",
      );
      expect(arrivals('/gone')).toHaveLength(2);
    });

    it('a PATCH to disabled records when and that it was the API', async () => {
      const ep = await create('gone2', '/ok');
      const r = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=gone2`, { status: 'disabled' });
      expect(r.body.status).toBe('disabled');
      expect(r.body.disabledReason).toBe('disabled through the API');
      expect(Date.parse(r.body.disabledAt)).toBeGreaterThan(0);
    });
  });
});

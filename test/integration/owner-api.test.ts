import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, countItems, eventually, startTestRuntime } from '../support/runtime';

/** Independent of lambdas/domain: the v1 signatures a receiver holding `secret` would accept. */
function signedWith(header: string, body: string, secret: string): boolean {
  const parts = header.split(',');
  const t = parts.find((p) => p.startsWith('t='))!.slice(2);
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some((p) => p === `v1=${expected}`);
}

describe('owner-facing API', () => {
  let runtime: Runtime;
  let secure: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let secureApi: ReturnType<typeof apiClient>;
  /** Paths that answer 500 until removed from this set. */
  const failing = new Set<string>();

  beforeAll(async () => {
    receiver = await startReceiver((request) =>
      failing.has(request.path) ? { status: 500, body: 'down' } : { status: 200, body: `ok ${request.path}` },
    );
    [runtime, secure] = await Promise.all([
      startTestRuntime({ env: { RETRY_SCHEDULE: '1s' } }),
      startTestRuntime({ env: { ALLOW_INSECURE_TARGETS: 'false' } }),
    ]);
    api = apiClient(runtime.url);
    secureApi = apiClient(secure.url);
  });
  afterAll(async () => {
    await Promise.all([runtime?.stop(), secure?.stop()]);
    await receiver?.close();
  });

  const endpoint = async (tenantId: string, path: string, extra: Record<string, unknown> = {}) => {
    const r = await api.createEndpoint({ tenantId, url: `${receiver.url}${path}`, events: ['*'], ...extra });
    expect(r.status).toBe(201);
    return r.body as { id: string; secret: string };
  };
  const awaitStatus = (tenantId: string, id: string, status: string, timeoutMs = 15_000) =>
    eventually(
      async () => {
        const r = await api.delivery(tenantId, id);
        return r.body?.status === status ? r.body : undefined;
      },
      timeoutMs,
      `delivery ${id} ${status}`,
    );

  describe('endpoints', () => {
    it('accepts a merchant-chosen secret of at least 24 characters and rejects a shorter one', async () => {
      const chosen = 'merchant-chosen-secret-0123456789';
      const ok = await api.createEndpoint({
        tenantId: 'own',
        url: `${receiver.url}/own`,
        events: ['*'],
        secret: chosen,
      });
      expect(ok.status).toBe(201);
      expect(ok.body.secret).toBe(chosen);
      const short = await api.createEndpoint({
        tenantId: 'own',
        url: `${receiver.url}/own`,
        events: ['*'],
        secret: 'short',
      });
      expect(short.status).toBe(422);
      expect(short.body.error.fields[0]).toEqual({
        field: 'secret',
        message: 'must be at least 24 characters',
      });
      expect(short.text).not.toContain('short"');
    });

    it('lists newest first with opaque cursors and never shows a secret in reads', async () => {
      const created = [];
      for (let i = 0; i < 3; i++) created.push(await endpoint('lister', `/l${i}`));
      const first = await api.call('GET', '/v1/endpoints?tenantId=lister&limit=2');
      expect(first.status).toBe(200);
      expect(first.body.items.map((e: { id: string }) => e.id)).toEqual([created[2]!.id, created[1]!.id]);
      expect(typeof first.body.cursor).toBe('string');
      const second = await api.call(
        'GET',
        `/v1/endpoints?tenantId=lister&limit=2&cursor=${encodeURIComponent(first.body.cursor)}`,
      );
      expect(second.body.items.map((e: { id: string }) => e.id)).toEqual([created[0]!.id]);
      expect(second.body.cursor).toBeUndefined();
      const one = await api.call('GET', `/v1/endpoints/${created[0]!.id}?tenantId=lister`);
      expect(one.status).toBe(200);
      for (const text of [first.text, second.text, one.text]) {
        expect(text).not.toContain('secret');
        for (const c of created) expect(text).not.toContain(c.secret);
      }
      const badCursor = await api.call('GET', '/v1/endpoints?tenantId=lister&cursor=bm9wZQ');
      expect(badCursor.status).toBe(422);
      expect(badCursor.body.error.fields[0].field).toBe('cursor');
      // Another tenant's cursor does not open this tenant's listing.
      const foreign = await api.call(
        'GET',
        `/v1/endpoints?tenantId=other&cursor=${encodeURIComponent(first.body.cursor)}`,
      );
      expect(foreign.status).toBe(422);
    });

    it('answers 404 for an id that belongs to another tenant, on every route', async () => {
      const mine = await endpoint('owner-a', '/a');
      const paths: [string, string, unknown?][] = [
        ['GET', `/v1/endpoints/${mine.id}?tenantId=owner-b`],
        ['PATCH', `/v1/endpoints/${mine.id}?tenantId=owner-b`, { description: 'x' }],
        ['DELETE', `/v1/endpoints/${mine.id}?tenantId=owner-b`],
        ['POST', `/v1/endpoints/${mine.id}/rotate-secret?tenantId=owner-b`, {}],
        ['POST', `/v1/endpoints/${mine.id}/test?tenantId=owner-b`],
        ['POST', `/v1/endpoints/${mine.id}/recover?tenantId=owner-b`, { since: new Date().toISOString() }],
      ];
      for (const [method, path, body] of paths) {
        const r = await api.call(method, path, body);
        expect([method, path, r.status]).toEqual([method, path, 404]);
      }
      const published = await api.publish({ tenantId: 'owner-a', type: 'order.created', data: {} });
      const foreign = await api.delivery('owner-b', published.body.deliveries[0].id);
      expect(foreign.status).toBe(404);
      const replay = await api.call(
        'POST',
        `/v1/deliveries/${published.body.deliveries[0].id}/replay?tenantId=owner-b`,
      );
      expect(replay.status).toBe(404);
    });

    it('updates an endpoint; a disabled endpoint holds new deliveries until it is enabled', async () => {
      const ep = await endpoint('patcher', '/patch');
      const empty = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=patcher`, {});
      expect(empty.status).toBe(422);
      const badType = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=patcher`, {
        events: ['order.nope'],
      });
      expect(badType.status).toBe(422);
      expect(badType.body.error.fields[0].field).toBe('events.0');
      const disabled = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=patcher`, {
        status: 'disabled',
        description: 'paused',
      });
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ status: 'disabled', description: 'paused' });
      const published = await api.publish({ tenantId: 'patcher', type: 'order.created', data: {} });
      expect(published.body.deliveries).toHaveLength(1);
      const held = published.body.deliveries[0].id;
      expect((await api.delivery('patcher', held)).body).toMatchObject({ status: 'held', attemptCount: 0 });
      const enabled = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=patcher`, {
        status: 'enabled',
      });
      expect(enabled.body.status).toBe('enabled');
      await eventually(
        async () => ((await api.delivery('patcher', held)).body.status === 'succeeded' ? true : undefined),
        10_000,
        'the held delivery sent once enabled',
      );
      const again = await api.publish({ tenantId: 'patcher', type: 'order.created', data: {} });
      expect(again.body.deliveries).toHaveLength(1);
    });

    it('deletes an endpoint (204); what was queued for it ends failed with a clear reason', async () => {
      const ep = await endpoint('deleter', '/deleted');
      failing.add('/deleted');
      const published = await api.publish({ tenantId: 'deleter', type: 'order.created', data: {} });
      const id = published.body.deliveries[0].id;
      await eventually(async () =>
        (await api.delivery('deleter', id)).body.attemptCount >= 1 ? true : undefined,
      );
      const deleted = await api.call('DELETE', `/v1/endpoints/${ep.id}?tenantId=deleter`);
      expect(deleted.status).toBe(204);
      expect((await api.call('GET', `/v1/endpoints/${ep.id}?tenantId=deleter`)).status).toBe(404);
      expect((await api.call('DELETE', `/v1/endpoints/${ep.id}?tenantId=deleter`)).status).toBe(404);
      const failed = await awaitStatus('deleter', id, 'failed');
      expect(failed.failureReason).toBe('endpoint was deleted');
      expect(failed.attemptCount).toBe(1);
    });

    it('rotates the secret: both secrets sign until the old one expires', async () => {
      const ep = await endpoint('rotator', '/rotate');
      const tooLong = await api.call('POST', `/v1/endpoints/${ep.id}/rotate-secret?tenantId=rotator`, {
        expireCurrentInSeconds: 604_801,
      });
      expect(tooLong.status).toBe(422);
      expect(tooLong.body.error.fields[0].field).toBe('expireCurrentInSeconds');
      const rotated = await api.call('POST', `/v1/endpoints/${ep.id}/rotate-secret?tenantId=rotator`, {
        expireCurrentInSeconds: 3600,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(ep.secret);
      const before = receiver.requests.length;
      await api.publish({ tenantId: 'rotator', type: 'invoice.paid', data: { n: 1 } });
      const [request] = (await receiver.waitFor(before + 1)).slice(before);
      const header = String(request!.headers['yumkiosk-signature']);
      expect(header.match(/v1=/g)).toHaveLength(2);
      expect(signedWith(header, request!.body, ep.secret)).toBe(true);
      expect(signedWith(header, request!.body, rotated.body.secret)).toBe(true);
      // The new secret signs last, so a naive parser that keeps the last v1 follows the new secret.
      expect(
        header.endsWith(
          `v1=${createHmac('sha256', rotated.body.secret)
            .update(`${header.slice(2, header.indexOf(','))}.${request!.body}`)
            .digest('hex')}`,
        ),
      ).toBe(true);

      const immediate = await api.call('POST', `/v1/endpoints/${ep.id}/rotate-secret?tenantId=rotator`, {
        expireCurrentInSeconds: 0,
      });
      const mark = receiver.requests.length;
      await api.publish({ tenantId: 'rotator', type: 'invoice.paid', data: { n: 2 } });
      const [next] = (await receiver.waitFor(mark + 1)).slice(mark);
      const nextHeader = String(next!.headers['yumkiosk-signature']);
      // The first secret (still in its hour of grace) and the newest; the one expired at once is gone.
      expect(signedWith(nextHeader, next!.body, immediate.body.secret)).toBe(true);
      expect(signedWith(nextHeader, next!.body, rotated.body.secret)).toBe(false);
      expect(signedWith(nextHeader, next!.body, ep.secret)).toBe(true);
    });

    it("queues a signed ping in the endpoint's group; the log shows it; one attempt; refused when disabled", async () => {
      const ep = await endpoint('pinger', '/ping');
      const before = receiver.requests.length;
      const r = await api.call('POST', `/v1/endpoints/${ep.id}/test?tenantId=pinger`);
      expect(r.status).toBe(202);
      expect(r.body.deliveryId).toMatch(/^dlv_/);
      // Readable at once (pending), then succeeded with its attempt.
      expect((await api.delivery('pinger', r.body.deliveryId)).status).toBe(200);
      const done = await awaitStatus('pinger', r.body.deliveryId, 'succeeded');
      expect(done.attempts[0]).toMatchObject({ responseStatus: 200, responseBody: 'ok /ping' });
      const [ping] = receiver.requests.slice(before);
      expect(ping!.headers['yumkiosk-event']).toBe('ping');
      expect(JSON.parse(ping!.body).event).toBe('ping');
      expect(signedWith(String(ping!.headers['yumkiosk-signature']), ping!.body, ep.secret)).toBe(true);

      failing.add('/ping');
      const down = await api.call('POST', `/v1/endpoints/${ep.id}/test?tenantId=pinger`);
      const failed = await awaitStatus('pinger', down.body.deliveryId, 'failed');
      expect(failed.attemptCount).toBe(1);
      expect(failed.failureReason).toMatch(/not retried/);
      expect(failed.attempts[0]).toMatchObject({ responseStatus: 500, errorClass: 'http_status' });

      await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=pinger`, { status: 'disabled' });
      const refused = await api.call('POST', `/v1/endpoints/${ep.id}/test?tenantId=pinger`);
      expect(refused.status).toBe(409);
    });
  });

  describe('target safety (ALLOW_INSECURE_TARGETS=false)', () => {
    const hostile = [
      ['http://93.184.216.34/hook', 'URL must use HTTPS'],
      ['https://127.0.0.1/hook', 'loopback'],
      ['https://2130706433/hook', 'loopback'],
      ['https://0x7f.1/hook', 'loopback'],
      ['https://0177.0.0.1/hook', 'loopback'],
      ['https://10.0.0.5/hook', 'private'],
      ['https://172.16.3.4/hook', 'private'],
      ['https://192.168.1.1/hook', 'private'],
      ['https://169.254.169.254/latest/meta-data', 'link-local'],
      ['https://100.64.0.1/hook', 'carrier-grade NAT'],
      ['https://0.0.0.0/hook', 'unspecified'],
      ['https://224.0.0.1/hook', 'multicast'],
      ['https://[::1]/hook', 'loopback'],
      ['https://[::ffff:127.0.0.1]/hook', 'loopback'],
      ['https://[::ffff:a9fe:a9fe]/hook', 'link-local'],
      ['https://[fd00::1]/hook', 'unique-local'],
      ['https://[fe80::1]/hook', 'link-local'],
      ['https://localhost/hook', 'not a public name'],
      ['https://kiosk.internal/hook', 'not a public name'],
      ['https://user:pass@93.184.216.34/hook', 'credentials'],
      ['ftp://93.184.216.34/hook', 'URL must use HTTPS'],
    ] as const;

    it.each(hostile)('rejects %s with 422 on url', async (url, reason) => {
      const r = await secureApi.createEndpoint({ tenantId: 'ssrf', url, events: ['*'] });
      expect(r.status).toBe(422);
      expect(r.body.error.fields[0].field).toBe('url');
      expect(r.body.error.message).toContain(reason);
    });

    it('accepts a public HTTPS address and rejects a hostile one on update too', async () => {
      const ok = await secureApi.createEndpoint({
        tenantId: 'ssrf',
        url: 'https://93.184.216.34/hook',
        events: ['*'],
      });
      expect(ok.status).toBe(201);
      const patched = await secureApi.call('PATCH', `/v1/endpoints/${ok.body.id}?tenantId=ssrf`, {
        url: 'https://169.254.169.254/',
      });
      expect(patched.status).toBe(422);
      expect(patched.body.error.message).toContain('link-local');
    });
  });

  describe('deliveries log, replay and recover', () => {
    it('lists deliveries newest first by endpoint or event, filters by status, and shows the exact request', async () => {
      const ep = await endpoint('logger', '/log');
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) {
        ids.push(
          (await api.publish({ tenantId: 'logger', type: 'order.created', data: { n } })).body.deliveries[0]
            .id,
        );
      }
      await awaitStatus('logger', ids[2]!, 'succeeded');
      const byEndpoint = await api.call('GET', `/v1/deliveries?tenantId=logger&endpointId=${ep.id}`);
      expect(byEndpoint.status).toBe(200);
      expect(byEndpoint.body.items.map((d: { id: string }) => d.id)).toEqual([...ids].reverse());
      expect(byEndpoint.body.items[0]).not.toHaveProperty('attempts');
      const succeeded = await api.call(
        'GET',
        `/v1/deliveries?tenantId=logger&endpointId=${ep.id}&status=succeeded&limit=100`,
      );
      expect(succeeded.body.items.length).toBe(3);
      const failed = await api.call(
        'GET',
        `/v1/deliveries?tenantId=logger&endpointId=${ep.id}&status=failed`,
      );
      expect(failed.body.items).toEqual([]);
      const refund = (await api.publish({ tenantId: 'logger', type: 'order.refunded', data: {} })).body
        .deliveries[0].id;
      await awaitStatus('logger', refund, 'succeeded');
      const ofType = async (type: string) =>
        (
          await api.call('GET', `/v1/deliveries?tenantId=logger&endpointId=${ep.id}&eventType=${type}`)
        ).body.items.map((d: { id: string }) => d.id);
      expect(await ofType('order.refunded')).toEqual([refund]);
      expect(await ofType('order.created')).toEqual([...ids].reverse());
      const badType = await api.call(
        'GET',
        `/v1/deliveries?tenantId=logger&endpointId=${ep.id}&eventType=x y`,
      );
      expect([badType.status, badType.body.error.fields[0].field]).toEqual([422, 'eventType']);
      const eventId = (await api.delivery('logger', ids[0]!)).body.eventId;
      const byEvent = await api.call('GET', `/v1/deliveries?tenantId=logger&eventId=${eventId}`);
      expect(byEvent.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
      const neither = await api.call('GET', '/v1/deliveries?tenantId=logger');
      expect(neither.status).toBe(422);
      const badStatus = await api.call(
        'GET',
        `/v1/deliveries?tenantId=logger&endpointId=${ep.id}&status=lost`,
      );
      expect(badStatus.status).toBe(422);
      expect(badStatus.body.error.fields[0].field).toBe('status');

      const detail = await api.delivery('logger', ids[0]!);
      const received = receiver.requests.find((r) => r.headers['yumkiosk-delivery'] === ids[0]);
      expect(detail.body.request.body).toBe(received!.body);
      expect(detail.body.request.headers['YumKiosk-Signature']).toMatch(/^t=\d+,v1=…$/);
      // The headers as sent: the logged timestamp is the one the receiver got.
      const sentTimestamp = String(received!.headers['yumkiosk-signature']).split(',')[0];
      expect(detail.body.request.headers['YumKiosk-Signature']).toBe(`${sentTimestamp},v1=…`);
      expect(detail.body.attempts[0]).toMatchObject({
        number: 1,
        responseStatus: 200,
        responseBody: 'ok /log',
      });
      expect(detail.text).not.toContain(ep.secret);
    });

    it('replays a failed delivery as a new delivery, signed afresh, and refuses a pending one', async () => {
      await endpoint('replayer', '/replay');
      failing.add('/replay');
      const published = await api.publish({
        tenantId: 'replayer',
        type: 'order.refunded',
        data: { amount: 5 },
      });
      const original = published.body.deliveries[0].id;
      const pending = await api.call('POST', `/v1/deliveries/${original}/replay?tenantId=replayer`);
      expect(pending.status).toBe(409);
      await awaitStatus('replayer', original, 'failed');
      failing.delete('/replay');
      const replay = await api.call('POST', `/v1/deliveries/${original}/replay?tenantId=replayer`);
      expect(replay.status).toBe(202);
      expect(replay.body.id).not.toBe(original);
      const done = await awaitStatus('replayer', replay.body.id, 'succeeded');
      expect(done.replayOf).toBe(original);
      expect((await api.delivery('replayer', original)).body.status).toBe('failed');
      const bodies = receiver.requests.filter((r) => r.path === '/replay').map((r) => r.body);
      expect(new Set(bodies).size).toBe(1);
      // A succeeded delivery can be replayed too.
      expect(
        (await api.call('POST', `/v1/deliveries/${replay.body.id}/replay?tenantId=replayer`)).status,
      ).toBe(202);
    });

    it('recovers every failed delivery of an endpoint since a time, keeping their ids', async () => {
      const ep = await endpoint('recoverer', '/recover');
      failing.add('/recover');
      const since = new Date(Date.now() - 1000).toISOString();
      const ids: string[] = [];
      for (let n = 0; n < 2; n++) {
        ids.push(
          (await api.publish({ tenantId: 'recoverer', type: 'order.created', data: { n } })).body
            .deliveries[0].id,
        );
      }
      for (const id of ids) await awaitStatus('recoverer', id, 'failed');
      failing.delete('/recover');
      const future = await api.call('POST', `/v1/endpoints/${ep.id}/recover?tenantId=recoverer`, {
        since: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(future.status).toBe(422);
      const notADate = await api.call('POST', `/v1/endpoints/${ep.id}/recover?tenantId=recoverer`, {
        since: 'yesterday',
      });
      expect(notADate.status).toBe(422);
      expect(notADate.body.error.fields[0].field).toBe('since');
      const recovered = await api.call('POST', `/v1/endpoints/${ep.id}/recover?tenantId=recoverer`, {
        since,
      });
      expect(recovered.status).toBe(202);
      expect(recovered.body).toEqual({ requeued: 2 });
      for (const id of ids) {
        const done = await awaitStatus('recoverer', id, 'succeeded');
        expect(done.attemptCount).toBe(3);
      }
      const again = await api.call('POST', `/v1/endpoints/${ep.id}/recover?tenantId=recoverer`, { since });
      expect(again.body).toEqual({ requeued: 0 });
    });
  });

  describe('contract and bad input', () => {
    it('serves an OpenAPI 3.1 document covering every route', async () => {
      const doc = await api.call('GET', '/v1/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toBe('3.1.0');
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(['/v1/events', '/v1/endpoints/{id}', '/v1/deliveries/{id}/replay']),
      );
      expect(
        doc.body.paths['/v1/events'].post.requestBody.content['application/json'].schema.required,
      ).toEqual(expect.arrayContaining(['tenantId', 'type', 'data']));
    });

    it('answers 405 for a wrong method and 400 for a malformed body, storing nothing', async () => {
      const count = () => countItems(runtime);
      const before = await count();
      const put = await api.call('PUT', '/v1/endpoints/ep_x?tenantId=a');
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toContain('PATCH');
      expect((await api.call('POST', '/v1/endpoints', undefined, '[')).status).toBe(400);
      expect((await api.call('GET', '/v1/endpoints')).status).toBe(422);
      expect((await api.call('GET', '/v1/endpoints?tenantId=a&limit=0')).status).toBe(422);
      expect((await api.call('GET', '/v1/endpoints?tenantId=a&tenantId=b')).status).toBe(422);
      expect(await count()).toBe(before);
    });
  });
});

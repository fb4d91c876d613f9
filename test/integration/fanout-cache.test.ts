/**
 * FANOUT_CACHE_TTL through the local runtime with the cache on (the tests' runtime turns it off): ingest
 * reads a tenant's endpoints once per TTL, and the API answers an endpoint change only after the TTL, so
 * what is published after the answer fans out from the changed list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const TTL_MS = 1500;

describe('the fan-out cache (FANOUT_CACHE_TTL)', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime({ env: { FANOUT_CACHE_TTL: `${TTL_MS}ms` } });
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const endpoint = async (path: string, events = ['order.created']) => {
    const started = Date.now();
    const created = await api.createEndpoint({ tenantId: 'fan', url: `${receiver.url}${path}`, events });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, tookMs: Date.now() - started };
  };
  const publish = async (orderId: string) => {
    const out = await api.publish({ tenantId: 'fan', type: 'order.created', data: { orderId } });
    expect(out.status).toBe(202);
    return (out.body.deliveries as { endpointId: string }[]).map((d) => d.endpointId).sort();
  };

  it('an endpoint created after a publish cached the list gets every event published after its 201', async () => {
    const first = await endpoint('/first');
    expect(first.tookMs).toBeGreaterThanOrEqual(TTL_MS);
    expect(await publish('o-1')).toEqual([first.id]);
    // The list of one endpoint is cached now; the second is created within the TTL of that read.
    const second = await endpoint('/second');
    expect(second.tookMs).toBeGreaterThanOrEqual(TTL_MS);
    expect(await publish('o-2')).toEqual([first.id, second.id].sort());
    await eventually(async () =>
      receiver.requests.filter((r) => r.path === '/second').length === 1 ? true : undefined,
    );
  });

  it('a change of types or a delete is answered after the TTL too, and then applies to every publish', async () => {
    const ep = await endpoint('/third');
    expect((await publish('o-3')).includes(ep.id)).toBe(true);
    const started = Date.now();
    const changed = await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=fan`, {
      events: ['invoice.paid'],
    });
    expect(changed.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TTL_MS);
    expect((await publish('o-4')).includes(ep.id)).toBe(false);
    // A description is not something fan-out reads: answered at once.
    const quick = Date.now();
    await api.call('PATCH', `/v1/endpoints/${ep.id}?tenantId=fan`, { description: 'renamed' });
    expect(Date.now() - quick).toBeLessThan(TTL_MS);
    const other = await endpoint('/fourth');
    expect((await publish('o-5')).includes(other.id)).toBe(true);
    const deleting = Date.now();
    expect((await api.call('DELETE', `/v1/endpoints/${other.id}?tenantId=fan`)).status).toBe(204);
    expect(Date.now() - deleting).toBeGreaterThanOrEqual(TTL_MS);
    expect((await publish('o-6')).includes(other.id)).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, countItems, startTestRuntime } from '../support/runtime';

describe('idempotent publishing', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;

  const countByPrefix = (prefix: string) => countItems(runtime, prefix);

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    api = apiClient(runtime.url);
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('answers a repeated id with 200 and the original body, creating one event and one set of deliveries', async () => {
    await api.createEndpoint({ tenantId: 'idem', url: `${receiver.url}/a`, events: ['*'] });
    await api.createEndpoint({ tenantId: 'idem', url: `${receiver.url}/b`, events: ['order.created'] });
    const input = {
      tenantId: 'idem',
      type: 'order.created',
      data: { orderId: 'o-77' },
      id: 'order-o-77-created',
    };

    const first = await api.publish(input);
    expect(first.status).toBe(202);
    expect(first.body.id).toBe('order-o-77-created');
    expect(first.body.deliveries).toHaveLength(2);

    const second = await api.publish(input);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);

    expect(await countByPrefix('EV#idem#')).toBe(1);
    await receiver.waitFor(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(2);
    // One delivery record each, written at its first outcome (in the endpoint's partition).
    expect(await countByPrefix('EP#idem#')).toBe(2);
  });

  it('scopes ids by tenant: the same id from another tenant is a new event', async () => {
    const a = await api.publish({ tenantId: 'idem-x', type: 'order.created', data: {}, id: 'shared-id' });
    const b = await api.publish({ tenantId: 'idem-y', type: 'order.created', data: {}, id: 'shared-id' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
  });
});

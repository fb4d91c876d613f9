import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublisher, type Publisher } from '../../clients/publisher';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, countItems, startTestRuntime } from '../support/runtime';

describe('batch publish: POST /v1/events/batch and publishBatch()', () => {
  let runtime: Runtime;
  let receiver: Receiver;
  let publisher: Publisher;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime();
    api = apiClient(runtime.url);
    await api.createEndpoint({ tenantId: 'batch', url: `${receiver.url}/batch`, events: ['*'] });
    publisher = createPublisher({
      apiUrl: runtime.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'local-only-not-a-secret' },
      sleep: async () => {},
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('answers one result per event in order; a bad event does not stop the others; a repeat is 200', async () => {
    const events = [
      { tenantId: 'batch', type: 'order.created', data: { n: 1 }, id: 'b-1' },
      { tenantId: 'batch', type: 'order.exploded', data: { n: 2 }, id: 'b-2' },
      { tenantId: 'batch', type: 'order.created', data: { n: 3 }, id: 'b-3' },
    ];
    const results = await publisher.publishBatch(events);
    expect(results.map((r) => r.status)).toEqual([202, 422, 202]);
    expect(results[1]).toMatchObject({ id: 'b-2', error: { code: 'validation_failed' } });
    expect(results[0]).toMatchObject({ id: 'b-1', deliveries: [{ endpointId: expect.any(String) }] });

    const requests = await receiver.waitFor(2);
    expect(requests.map((r) => JSON.parse(r.body).data.n)).toEqual([1, 3]);

    const again = await publisher.publishBatch(events);
    expect(again.map((r) => r.status)).toEqual([200, 422, 200]);
    expect(again[0]).toEqual(results[0] && { ...results[0], status: 200 });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(2);
  });

  it('names the event and field at fault, and refuses an empty, oversized or over-long batch storing nothing', async () => {
    const bad = await api.call('POST', '/v1/events/batch', {
      events: [{ tenantId: 'batch', type: 'order.created' }],
    });
    expect(bad.status).toBe(207);
    expect(bad.body.results[0].error.fields).toEqual([{ field: 'events.0.data', message: 'is required' }]);

    const before = await countItems(runtime, 'EV#batch-none#');
    expect((await api.call('POST', '/v1/events/batch', { events: [] })).status).toBe(422);
    const many = Array.from({ length: 101 }, (_, n) => ({
      tenantId: 'batch-none',
      type: 'order.created',
      data: { n },
    }));
    const tooMany = await api.call('POST', '/v1/events/batch', { events: many });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.fields[0].field).toBe('events');
    const big = Array.from({ length: 5 }, (_, n) => ({
      tenantId: 'batch-none',
      type: 'order.created',
      data: { n, pad: 'x'.repeat(250_000) },
    }));
    expect((await api.call('POST', '/v1/events/batch', { events: big })).status).toBe(413);
    expect(await countItems(runtime, 'EV#batch-none#')).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { cachedTenantEndpoints } from '../../lambdas/domain/endpoint-cache';
import { serializeEnvelope } from '../../lambdas/domain/envelope';
import {
  DependencyUnavailableError,
  PayloadTooLargeError,
  ValidationError,
} from '../../lambdas/domain/errors';
import { MAX_ENVELOPE_BYTES, type PublishDeps, publishEvent } from '../../lambdas/domain/publish';
import { endpointFixture, FakeClock, FakeQueues, FakeStore, T0, testSettings } from '../support/fakes';

function setup() {
  const clock = new FakeClock(T0);
  const store = new FakeStore(clock);
  const queues = new FakeQueues(clock);
  const deps: PublishDeps = { store, queues, clock, settings: testSettings() };
  store.seed({
    endpoints: [
      endpointFixture({ id: 'ep_orders', events: ['order.created'], ordering: 'strict' }),
      endpointFixture({ id: 'ep_all', events: ['*'] }),
      endpointFixture({ id: 'ep_sessions', events: ['session.started'] }),
      endpointFixture({ id: 'ep_off', events: ['invoice.paid'], status: 'disabled' }),
      endpointFixture({ id: 'ep_other_tenant', tenantId: 't_2', events: ['*'] }),
    ],
  });
  return { clock, store, queues, deps };
}

const order = { tenantId: 't_1', type: 'order.created', data: { orderId: 'ord_1', total: 1250 } };
const byEndpoint = <T extends { endpointId: string }>(list: readonly T[]) =>
  [...list].sort((a, b) => a.endpointId.localeCompare(b.endpointId));

describe('publishEvent', () => {
  describe('a disabled endpoint', () => {
    const held = () => {
      const { deps, store, queues } = setup();
      store.seed({
        endpoints: [endpointFixture({ id: 'ep_paused', events: ['order.created'], status: 'disabled' })],
      });
      return { deps, store, queues };
    };

    it('gets a held delivery: listed with the event, recorded held, with no queue message', async () => {
      const { deps, store, queues } = held();
      const result = await publishEvent(deps, { ...order, id: 'evt_h' });
      const paused = result.body.deliveries.find((d) => d.endpointId === 'ep_paused')!;
      expect(paused.id).toMatch(/_ep_paused$/);
      expect(store.allDeliveries()).toMatchObject([
        { id: paused.id, status: 'held', attemptCount: 0, eventId: 'evt_h', endpointId: 'ep_paused' },
      ]);
      expect(store.allDeliveries()[0]!.sweepAt).toBeUndefined();
      expect(queues.enqueued.map((m) => m.endpointId).sort()).toEqual(['ep_all', 'ep_orders']);
      expect(store.methodsCalled()).toEqual(['listTenantEndpoints', 'putEvent', 'holdDeliveries']);
    });

    it('a repeat of the id writes nothing new (the held record stays as it is)', async () => {
      const { deps, store } = held();
      await publishEvent(deps, { ...order, id: 'evt_h' });
      const before = store.allDeliveries();
      const again = await publishEvent(deps, { ...order, id: 'evt_h' });
      expect(again.status).toBe(200);
      expect(store.allDeliveries()).toEqual(before);
    });

    it('a filtered-out or unsubscribed disabled endpoint gets nothing', async () => {
      const { deps, store } = setup();
      await publishEvent(deps, { ...order, id: 'evt_n' });
      expect(store.allDeliveries()).toEqual([]);
    });
  });

  it('answers 202 with one delivery per enabled endpoint of the tenant subscribed to the type', async () => {
    const { deps } = setup();
    const result = await publishEvent(deps, { ...order, id: 'evt_a' });
    expect(result.status).toBe(202);
    expect(result.body.id).toBe('evt_a');
    expect(result.body.deliveries.map((d) => d.endpointId).sort()).toEqual(['ep_all', 'ep_orders']);
    // The delivery id names its endpoint.
    for (const d of result.body.deliveries)
      expect(d.id).toMatch(new RegExp(`^dlv_[0-9A-Z]{26}_${d.endpointId}$`));
  });

  it('writes the event with one conditional put and no delivery records', async () => {
    const { deps, store } = setup();
    const result = await publishEvent(deps, { ...order, id: 'evt_a' });
    const createdAt = new Date(T0).toISOString();
    expect(store.allEvents()).toEqual([
      {
        id: 'evt_a',
        tenantId: 't_1',
        type: 'order.created',
        body: serializeEnvelope({ id: 'evt_a', type: 'order.created', createdAt, data: order.data }),
        createdAt,
        deliveries: result.body.deliveries,
      },
    ]);
    expect(store.allDeliveries()).toEqual([]);
    expect(store.methodsCalled()).toEqual(['listTenantEndpoints', 'putEvent']);
  });

  it('queues one first-attempt message per delivery, carrying the body, with its endpoint ordering', async () => {
    const { deps, queues, store } = setup();
    const result = await publishEvent(deps, { ...order, id: 'evt_a' });
    const ordering: Record<string, string> = { ep_orders: 'strict', ep_all: 'sequential' };
    expect(queues.enqueueCalls).toHaveLength(1);
    expect(byEndpoint(queues.enqueued)).toEqual(
      byEndpoint(result.body.deliveries).map((d) => ({
        v: 2,
        deliveryId: d.id,
        tenantId: 't_1',
        eventId: 'evt_a',
        eventType: order.type,
        endpointId: d.endpointId,
        createdAt: new Date(T0).toISOString(),
        attempt: 1,
        attemptOffset: 0,
        round: 0,
        ordering: ordering[d.endpointId],
        body: store.allEvents()[0]!.body,
      })),
    );
    expect(queues.delayed).toEqual([]);
  });

  it('makes up an evt_ id when the caller gives none', async () => {
    const { deps, store } = setup();
    const result = await publishEvent(deps, order);
    expect(result.body.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(store.allEvents().map((e) => e.id)).toEqual([result.body.id]);
  });

  it('answers 202 with no deliveries for a tenant with no endpoints, and still stores the event', async () => {
    const { deps, store, queues } = setup();
    const result = await publishEvent(deps, {
      tenantId: 't_empty',
      type: 'order.created',
      id: 'evt_x',
      data: {},
    });
    expect(result).toEqual({ status: 202, body: { id: 'evt_x', deliveries: [] } });
    expect(store.allEvents().map((e) => e.id)).toEqual(['evt_x']);
    expect(queues.enqueued).toEqual([]);
  });

  it('rejects a type outside the catalog with a ValidationError naming type, storing nothing', async () => {
    const { deps, store, queues } = setup();
    const publishing = publishEvent(deps, { ...order, type: 'order.teleported' });
    await expect(publishing).rejects.toBeInstanceOf(ValidationError);
    await expect(publishing).rejects.toMatchObject({
      fields: [
        { field: 'type', message: expect.stringContaining('"order.teleported" is not in the event catalog') },
      ],
    });
    expect(store.allEvents()).toEqual([]);
    expect(queues.enqueueCalls).toEqual([]);
  });

  describe('the 256 KB envelope limit, after re-serialization', () => {
    // `1e20` is 4 bytes as sent and 21 once serialized: 15,000 of them fit a 256 KB request but not the envelope.
    const numbers = (n: number) => ({
      ...order,
      id: 'evt_big',
      data: { values: Array.from({ length: n }, () => 1e20) },
    });

    it('answers 413 when numbers grow past the limit on re-serialization, storing and queuing nothing', async () => {
      const { deps, store, queues } = setup();
      const input = numbers(15_000);
      expect(
        Buffer.byteLength(JSON.stringify(input.data).replaceAll('100000000000000000000', '1e20')),
      ).toBeLessThan(MAX_ENVELOPE_BYTES);
      const publishing = publishEvent(deps, input);
      await expect(publishing).rejects.toBeInstanceOf(PayloadTooLargeError);
      await expect(publishing).rejects.toMatchObject({ status: 413, limitBytes: MAX_ENVELOPE_BYTES });
      expect(store.methodsCalled()).not.toContain('putEvent');
      expect(queues.enqueueCalls).toEqual([]);
    });

    it('accepts any request under the body limit whose data does not grow (padding of 2-byte characters)', async () => {
      const { deps } = setup();
      const shell = JSON.stringify({ tenantId: 'acme', type: order.type, data: { s: '' } });
      const room = 256 * 1024 - 1 - Buffer.byteLength(shell);
      const input = { tenantId: 'acme', type: order.type, data: { s: 'é'.repeat(Math.floor(room / 2)) } };
      expect(Buffer.byteLength(JSON.stringify(input))).toBeGreaterThan(256 * 1024 - 3);
      expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(256 * 1024);
      expect((await publishEvent(deps, { ...input, id: `evt_${'x'.repeat(124)}` })).status).toBe(202);
    });

    it('accepts an envelope just under the limit', async () => {
      const { deps } = setup();
      expect((await publishEvent(deps, numbers(11_000))).status).toBe(202);
    });
  });

  describe('publishing the same id again', () => {
    it('answers 200 with the original body and changes nothing stored', async () => {
      const { deps, store, clock } = setup();
      const first = await publishEvent(deps, { ...order, id: 'evt_a' });
      const eventsBefore = store.allEvents();
      clock.advance(60_000);
      const second = await publishEvent(deps, { ...order, id: 'evt_a', data: { orderId: 'changed' } });
      expect(second).toEqual({ status: 200, body: first.body });
      expect(store.allEvents()).toEqual(eventsBefore);
      expect(store.allDeliveries()).toEqual([]);
    });

    it('sends the first attempts again within the 4-minute resend window (SQS drops the copies)', async () => {
      const { deps, queues, clock } = setup();
      await publishEvent(deps, { ...order, id: 'evt_a' });
      const sent = byEndpoint(queues.enqueued);
      queues.reset();
      clock.advance(4 * 60_000 - 1);
      await publishEvent(deps, { ...order, id: 'evt_a' });
      expect(byEndpoint(queues.enqueued)).toEqual(sent);
    });

    it('sends nothing after the resend window when the first send went out', async () => {
      const { deps, queues, clock } = setup();
      await publishEvent(deps, { ...order, id: 'evt_a' });
      queues.reset();
      clock.advance(4 * 60_000);
      expect((await publishEvent(deps, { ...order, id: 'evt_a' })).status).toBe(200);
      expect(queues.enqueueCalls).toEqual([]);
    });

    it('does not send to an endpoint deleted since', async () => {
      const { deps, store, queues } = setup();
      await publishEvent(deps, { ...order, id: 'evt_a' });
      await store.deleteEndpoint('t_1', 'ep_orders');
      queues.reset();
      await publishEvent(deps, { ...order, id: 'evt_a' });
      expect(queues.enqueued.map((m) => m.endpointId)).toEqual(['ep_all']);
    });

    it('does not take another tenant with the same event id for a repeat', async () => {
      const { deps } = setup();
      await publishEvent(deps, { ...order, id: 'evt_a' });
      const other = await publishEvent(deps, { ...order, tenantId: 't_2', id: 'evt_a' });
      expect(other.status).toBe(202);
      expect(other.body.deliveries.map((d) => d.endpointId)).toEqual(['ep_other_tenant']);
    });
  });

  describe('when the queue is unavailable', () => {
    it('fails with DependencyUnavailableError and marks the event unsent for the sweeper after the grace', async () => {
      const { deps, store, queues } = setup();
      queues.fail('enqueue');
      await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
      expect(store.allEvents()).toEqual([
        expect.objectContaining({ id: 'evt_a', unsent: true, sweepAt: T0 + testSettings().sweepGraceMs }),
      ]);
      expect(store.allDeliveries()).toEqual([]);
      expect(queues.enqueued).toEqual([]);
    });

    it('still fails with the queue error when marking the event unsent fails too', async () => {
      const { deps, store, queues } = setup();
      queues.fail('enqueue');
      store.fail('markUnsent', new Error('table gone'));
      await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    });

    it('sends every first attempt and clears the mark when the caller retries, even after the window', async () => {
      const { deps, store, queues, clock } = setup();
      queues.fail('enqueue', undefined, 1);
      const failed = publishEvent(deps, { ...order, id: 'evt_a' });
      await expect(failed).rejects.toThrow(DependencyUnavailableError);
      clock.advance(10 * 60_000);
      const retry = await publishEvent(deps, { ...order, id: 'evt_a' });
      expect(retry.status).toBe(200);
      expect(queues.enqueued.map((m) => m.deliveryId).sort()).toEqual(
        retry.body.deliveries.map((d) => d.id).sort(),
      );
      expect(store.allEvents()[0]?.unsent).toBeUndefined();
      expect(store.allEvents()[0]?.sweepAt).toBeUndefined();
    });
  });

  it('propagates a store failure and queues nothing', async () => {
    const { deps, store, queues } = setup();
    store.fail('putEvent');
    await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    expect(queues.enqueueCalls).toEqual([]);
  });
});

describe('publishEvent with a fan-out cache (FANOUT_CACHE_TTL)', () => {
  it('reads the tenant list once per ttl, and a new endpoint receives what is published from then on', async () => {
    const { deps, store, queues, clock } = setup();
    const cached: PublishDeps = {
      ...deps,
      tenantEndpoints: cachedTenantEndpoints((t) => store.listTenantEndpoints(t), clock, 1000),
    };
    await publishEvent(cached, { ...order, id: 'evt_1' });
    store.seed({ endpoints: [endpointFixture({ id: 'ep_new', events: ['order.created'] })] });
    const within = await publishEvent(cached, { ...order, id: 'evt_2' });
    clock.advance(1000);
    const after = await publishEvent(cached, { ...order, id: 'evt_3' });
    expect(within.body.deliveries.map((d) => d.endpointId).sort()).toEqual(['ep_all', 'ep_orders']);
    expect(after.body.deliveries.map((d) => d.endpointId).sort()).toEqual(['ep_all', 'ep_new', 'ep_orders']);
    expect(store.methodsCalled().filter((m) => m === 'listTenantEndpoints')).toHaveLength(2);
    expect(queues.enqueued.filter((m) => m.endpointId === 'ep_new').map((m) => m.eventId)).toEqual(['evt_3']);
  });
});

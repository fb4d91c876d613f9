import { describe, expect, it } from 'vitest';
import { serializeEnvelope } from '../../lambdas/domain/envelope';
import { DependencyUnavailableError, ValidationError } from '../../lambdas/domain/errors';
import { type PublishDeps, publishEvent } from '../../lambdas/domain/publish';
import { endpointFixture, FakeClock, FakeQueues, FakeStore, T0, testSettings } from '../support/fakes';

const GRACE = testSettings().sweepGraceMs;

function setup() {
  const clock = new FakeClock(T0);
  const store = new FakeStore(clock);
  const queues = new FakeQueues();
  const deps: PublishDeps = { store, queues, clock, settings: testSettings() };
  store.seed({
    endpoints: [
      endpointFixture({ id: 'ep_orders', events: ['order.created'], ordering: 'strict' }),
      endpointFixture({ id: 'ep_all', events: ['*'] }),
      endpointFixture({ id: 'ep_sessions', events: ['session.started'] }),
      endpointFixture({ id: 'ep_off', events: ['order.created'], status: 'disabled' }),
      endpointFixture({ id: 'ep_other_tenant', tenantId: 't_2', events: ['*'] }),
    ],
  });
  return { clock, store, queues, deps };
}

const order = { tenantId: 't_1', type: 'order.created', data: { orderId: 'ord_1', total: 1250 } };

describe('publishEvent', () => {
  it('answers 202 with one delivery per enabled endpoint of the tenant subscribed to the type', async () => {
    const { deps, store } = setup();
    const result = await publishEvent(deps, { ...order, id: 'evt_a' });

    expect(result.status).toBe(202);
    expect(result.body.id).toBe('evt_a');
    expect(result.body.deliveries.map((d) => d.endpointId).sort()).toEqual(['ep_all', 'ep_orders']);
    for (const d of result.body.deliveries) expect(d.id).toMatch(/^dlv_[0-9A-Z]{26}$/);
    expect(
      store
        .allDeliveries()
        .map((d) => d.id)
        .sort(),
    ).toEqual(result.body.deliveries.map((d) => d.id).sort());
  });

  it('stores the envelope once and each delivery pending, due now, sweepable after the grace period', async () => {
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
    for (const { id, endpointId } of result.body.deliveries) {
      expect(store.delivery(id)).toEqual({
        id,
        tenantId: 't_1',
        eventId: 'evt_a',
        eventType: 'order.created',
        endpointId,
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: T0,
        sweepAt: T0 + GRACE,
        createdAt,
        updatedAt: createdAt,
        attempts: [],
      });
    }
  });

  it('queues one first-attempt message per delivery, with the ordering of its endpoint', async () => {
    const { deps, queues, store } = setup();
    const result = await publishEvent(deps, { ...order, id: 'evt_a' });

    const ordering: Record<string, string> = { ep_orders: 'strict', ep_all: 'sequential' };
    expect(queues.enqueued).toHaveLength(2);
    expect([...queues.enqueued].sort((a, b) => a.endpointId.localeCompare(b.endpointId))).toEqual(
      [...result.body.deliveries]
        .sort((a, b) => a.endpointId.localeCompare(b.endpointId))
        .map((d) => ({
          v: 1,
          deliveryId: d.id,
          tenantId: 't_1',
          eventId: 'evt_a',
          endpointId: d.endpointId,
          attempt: 1,
          ordering: ordering[d.endpointId],
          // Small bodies ride in the message, so the attempt need not read the event item.
          eventType: order.type,
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
    expect(store.allDeliveries()).toEqual([]);
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

  describe('publishing the same id again', () => {
    it('answers 200 with the original body and creates nothing', async () => {
      const { deps, store, clock } = setup();
      const first = await publishEvent(deps, { ...order, id: 'evt_a' });
      const eventsBefore = store.allEvents();
      const deliveriesBefore = store.allDeliveries();

      clock.advance(60_000);
      const second = await publishEvent(deps, { ...order, id: 'evt_a', data: { orderId: 'changed' } });

      expect(second).toEqual({ status: 200, body: first.body });
      expect(store.allEvents()).toEqual(eventsBefore);
      expect(store.allDeliveries()).toEqual(deliveriesBefore);
    });

    it('queues again only the deliveries whose first attempt never started', async () => {
      const { deps, store, queues } = setup();
      const first = await publishEvent(deps, { ...order, id: 'evt_a' });
      const [started, unstarted] = first.body.deliveries;
      // Attempt 1 made and failed: the delivery is still pending, its retry is in the retry queue.
      await store.recordAttempt(started!.id, {
        attempt: { number: 1, startedAt: new Date(T0).toISOString(), durationMs: 3, responseStatus: 500 },
        status: 'pending',
        nextAttemptAt: T0 + 1000,
        sweepAt: T0 + 1000 + GRACE,
      });
      queues.reset();

      await publishEvent(deps, { ...order, id: 'evt_a' });

      expect(queues.enqueued).toEqual([expect.objectContaining({ deliveryId: unstarted!.id, attempt: 1 })]);
    });

    it('does not queue again a delivery that was failed without an attempt', async () => {
      const { deps, store, queues } = setup();
      const first = await publishEvent(deps, { ...order, id: 'evt_a' });
      const [failed, unstarted] = first.body.deliveries;
      await store.failDelivery(failed!.id, 'endpoint is disabled');
      queues.reset();

      await publishEvent(deps, { ...order, id: 'evt_a' });

      expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([unstarted!.id]);
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
    it('fails with DependencyUnavailableError and leaves the deliveries pending in the store', async () => {
      const { deps, store, queues } = setup();
      queues.fail('enqueue');

      await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );

      const deliveries = store.allDeliveries();
      expect(deliveries).toHaveLength(2);
      for (const d of deliveries)
        expect(d).toMatchObject({ status: 'pending', attemptCount: 0, sweepAt: T0 + GRACE });
      expect(queues.enqueued).toEqual([]);
    });

    it('queues the stored deliveries when the caller retries with the same id', async () => {
      const { deps, store, queues } = setup();
      queues.fail('enqueue', undefined, 1);
      await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toThrow(DependencyUnavailableError);

      const retry = await publishEvent(deps, { ...order, id: 'evt_a' });

      expect(retry.status).toBe(200);
      const ids = store
        .allDeliveries()
        .map((d) => d.id)
        .sort();
      expect(retry.body.deliveries.map((d) => d.id).sort()).toEqual(ids);
      expect(queues.enqueued.map((m) => m.deliveryId).sort()).toEqual(ids);
    });
  });

  it('propagates a store failure and queues nothing', async () => {
    const { deps, store, queues } = setup();
    store.fail('createEvent');
    await expect(publishEvent(deps, { ...order, id: 'evt_a' })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    expect(queues.enqueueCalls).toEqual([]);
  });
});

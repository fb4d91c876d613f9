import { describe, expect, it } from 'vitest';
import type { Delivery, StoredEvent } from '../../lambdas/domain/model';
import { type SweepDeps, sweep } from '../../lambdas/domain/sweep';
import {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  FakeClock,
  FakeQueues,
  FakeStore,
  T0,
  testSettings,
} from '../support/fakes';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GRACE = testSettings().sweepGraceMs; // 15 min
const NOW = T0 + HOUR;
const EVENT = eventFixture();

type Seeded = Delivery & { sweepAt?: number };

function setup(deliveries: Seeded[], events: (StoredEvent & { sweepAt?: number })[] = []) {
  const clock = new FakeClock(NOW);
  const store = new FakeStore(clock);
  const queues = new FakeQueues(clock);
  store.seed({
    endpoints: [endpointFixture({ id: 'ep_seq' }), endpointFixture({ id: 'ep_strict', ordering: 'strict' })],
    events: [EVENT, ...events],
    deliveries,
  });
  const deps: SweepDeps = { store, queues, clock, settings: testSettings() };
  return { store, queues, clock, deps };
}

/** Delivery id `n` of an endpoint: ids of one time sort by `n`. */
const id = (n: number, endpointId = 'ep_seq') => deliveryIdFor(endpointId, n);

/** A pending delivery created at T0 whose sweep time has passed and whose next attempt is overdue. */
const stuck = (n: number, overrides: Partial<Seeded> = {}) =>
  deliveryFixture({
    id: id(n, overrides.endpointId ?? 'ep_seq'),
    endpointId: 'ep_seq',
    nextAttemptAt: NOW - 10 * MINUTE,
    sweepAt: NOW - MINUTE,
    ...overrides,
  });

describe('sweep: deliveries waiting for a retry', () => {
  it('queues a pending delivery past its sweep time for its next attempt, with its endpoint ordering', async () => {
    const { deps, queues } = setup([
      stuck(1, { attemptCount: 2, attemptOffset: 0 }),
      stuck(2, { endpointId: 'ep_strict', attemptCount: 1 }),
    ]);
    expect(await sweep(deps)).toEqual({ requeued: 2 });
    const common = {
      v: 2,
      tenantId: 't_1',
      eventId: 'evt_1',
      eventType: 'order.created',
      createdAt: new Date(T0).toISOString(),
      attemptOffset: 0,
      round: 0,
      body: EVENT.body,
      // The sweeper's copy may meet the original: its state is read before any attempt.
      recorded: true,
    };
    expect(queues.enqueued).toEqual([
      { ...common, deliveryId: id(1), endpointId: 'ep_seq', attempt: 3, ordering: 'sequential' },
      { ...common, deliveryId: id(2, 'ep_strict'), endpointId: 'ep_strict', attempt: 2, ordering: 'strict' },
    ]);
    expect(queues.delayed).toEqual([]);
  });

  it('queues a recovered delivery in its round, from its attempt offset', async () => {
    const { deps, queues } = setup([stuck(1, { attemptCount: 4, attemptOffset: 4, round: 1 })]);
    await sweep(deps);
    expect(queues.enqueued).toEqual([expect.objectContaining({ attempt: 5, attemptOffset: 4, round: 1 })]);
  });

  it('sends a delivery whose next attempt is still ahead to the retry queue with its due time', async () => {
    const { deps, queues } = setup([
      stuck(1, { attemptCount: 1, nextAttemptAt: NOW + 30 * MINUTE }),
      stuck(2, { attemptCount: 1, nextAttemptAt: NOW + 90_500 }),
    ]);
    await sweep(deps);
    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ deliveryId: id(1), attempt: 2, dueAt: NOW + 30 * MINUTE }),
        dueAt: NOW + 30 * MINUTE,
        delaySeconds: 900,
      },
      {
        message: expect.objectContaining({ deliveryId: id(2), attempt: 2, dueAt: NOW + 90_500 }),
        dueAt: NOW + 90_500,
        delaySeconds: 91,
      },
    ]);
  });

  it('pushes sweepAt forward by the grace period, or by the delivery age when that is longer', async () => {
    const { deps, store } = setup([
      stuck(1, { createdAt: new Date(T0).toISOString() }), // 1 h old
      stuck(2, { createdAt: new Date(NOW - 5 * MINUTE).toISOString() }), // 5 min old
    ]);
    await sweep(deps);
    expect(store.delivery(id(1)).sweepAt).toBe(NOW + HOUR);
    expect(store.delivery(id(2)).sweepAt).toBe(NOW + GRACE);
  });

  it('does not queue the same delivery again on the next tick', async () => {
    const { deps, queues } = setup([stuck(1)]);
    await sweep(deps);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.enqueued).toHaveLength(1);
  });

  it('leaves pending deliveries whose sweep time has not come', async () => {
    const { deps, queues, store } = setup([stuck(1, { sweepAt: NOW + 1 })]);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.enqueued).toEqual([]);
    expect(store.delivery(id(1)).sweepAt).toBe(NOW + 1);
  });

  it('queues a delivery exactly at its sweep time', async () => {
    const { deps, queues } = setup([stuck(1, { sweepAt: NOW })]);
    expect(await sweep(deps)).toEqual({ requeued: 1 });
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([id(1)]);
  });

  it('never touches succeeded or failed deliveries, in either mode', async () => {
    const done = [
      deliveryFixture({ id: id(1), status: 'succeeded', attemptCount: 1, nextAttemptAt: undefined }),
      deliveryFixture({ id: id(2), status: 'failed', attemptCount: 4, nextAttemptAt: undefined }),
    ];
    const { deps, queues, store } = setup(done);
    const before = store.allDeliveries();
    await sweep(deps);
    await sweep(deps, { everything: true });
    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([]);
    expect(store.allDeliveries()).toEqual(before);
  });

  it('queues deliveries in id (creation) order', async () => {
    const { deps, queues } = setup([
      stuck(3, { sweepAt: NOW - 3 * MINUTE }),
      stuck(1, { sweepAt: NOW - 1 * MINUTE }),
      stuck(2, { sweepAt: NOW - 2 * MINUTE }),
    ]);
    await sweep(deps);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([id(1), id(2), id(3)]);
  });

  it('takes at most limit deliveries per run', async () => {
    const { deps, queues } = setup([stuck(1), stuck(2), stuck(3)]);
    expect(await sweep(deps, { limit: 2 })).toEqual({ requeued: 2 });
    expect(queues.enqueued).toHaveLength(2);
  });

  it('sends a delivery of a deleted endpoint as sequential, for the deliverer to fail', async () => {
    const { deps, queues } = setup([stuck(1, { endpointId: 'ep_gone' })]);
    await sweep(deps);
    expect(queues.enqueued).toEqual([
      expect.objectContaining({ deliveryId: id(1, 'ep_gone'), ordering: 'sequential' }),
    ]);
  });
});

describe('sweep: events whose publish failed to send', () => {
  const unsent = (deliveries: { id: string; endpointId: string }[], sweepAt = NOW - MINUTE) =>
    eventFixture({
      id: 'evt_unsent',
      deliveries,
      unsent: true,
      sweepAt,
    } as Partial<StoredEvent>) as StoredEvent & {
      sweepAt: number;
    };

  it('sends the first attempt of each delivery with no record, skips recorded ones, clears the mark', async () => {
    const recorded = deliveryFixture({
      id: id(2),
      eventId: 'evt_unsent',
      endpointId: 'ep_seq',
      status: 'succeeded',
      attemptCount: 1,
      nextAttemptAt: undefined,
    });
    const event = unsent([
      { id: id(1, 'ep_strict'), endpointId: 'ep_strict' },
      { id: id(2), endpointId: 'ep_seq' },
      { id: id(3, 'ep_gone'), endpointId: 'ep_gone' },
    ]);
    const { deps, queues, store } = setup([recorded], [event]);
    expect(await sweep(deps)).toEqual({ requeued: 1 });
    expect(queues.enqueued).toEqual([
      expect.objectContaining({
        deliveryId: id(1, 'ep_strict'),
        eventId: 'evt_unsent',
        attempt: 1,
        round: 0,
        ordering: 'strict',
        body: event.body,
      }),
    ]);
    const stored = store.allEvents().find((e) => e.id === 'evt_unsent');
    expect(stored?.unsent).toBeUndefined();
    expect(await sweep(deps)).toEqual({ requeued: 0 });
  });

  it('leaves an unsent event until its sweep time', async () => {
    const { deps, queues } = setup([], [unsent([{ id: id(1), endpointId: 'ep_seq' }], NOW + 1)]);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.enqueued).toEqual([]);
  });

  it('keeps the mark when the send fails, for the next tick', async () => {
    const { deps, queues, store } = setup([], [unsent([{ id: id(1), endpointId: 'ep_seq' }])]);
    queues.fail('enqueue', undefined, 1);
    await expect(sweep(deps)).rejects.toThrow();
    expect(store.allEvents().find((e) => e.id === 'evt_unsent')?.unsent).toBe(true);
    await sweep(deps);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([id(1)]);
  });
});

describe('sweep: everything mode (local runtime start)', () => {
  it('takes every pending delivery, whatever its sweep time', async () => {
    const { deps, queues } = setup([
      stuck(1),
      stuck(2, { attemptCount: 1, nextAttemptAt: NOW + 10 * MINUTE, sweepAt: NOW + 25 * MINUTE }),
      stuck(3, { attemptCount: 1, nextAttemptAt: NOW, sweepAt: NOW + GRACE }),
    ]);
    // Three deliveries and the event item (all of its deliveries are recorded: nothing to send for it).
    expect(await sweep(deps, { everything: true })).toEqual({ requeued: 4 });
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([id(1), id(3)]);
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ deliveryId: id(2), attempt: 2, dueAt: NOW + 10 * MINUTE }),
        dueAt: NOW + 10 * MINUTE,
        delaySeconds: 600,
      },
    ]);
  });

  it('sends the first attempts of every event delivery with no record, marked or not', async () => {
    const event = eventFixture({ id: 'evt_queued', deliveries: [{ id: id(1), endpointId: 'ep_seq' }] });
    const { deps, queues } = setup([], [event]);
    await sweep(deps, { everything: true });
    expect(queues.enqueued).toEqual([expect.objectContaining({ deliveryId: id(1), eventId: 'evt_queued' })]);
  });

  // A delivery waiting 12 h for its retry has sweepAt = nextAttemptAt + grace. Re-queuing it at start must
  // not pull sweepAt in to now + grace: the periodic sweeper would then copy it again and again.
  it('never moves a sweep time earlier, so the periodic sweeper does not copy a waiting delivery again', async () => {
    const sweepAt = NOW + 12 * HOUR + GRACE;
    const { deps, store, queues, clock } = setup([
      stuck(1, {
        attemptCount: 5,
        nextAttemptAt: NOW + 12 * HOUR,
        sweepAt,
        createdAt: new Date(NOW - MINUTE).toISOString(),
      }),
    ]);
    await sweep(deps, { everything: true });
    expect(queues.delayed).toHaveLength(1);
    expect(store.delivery(id(1)).sweepAt).toBeGreaterThanOrEqual(sweepAt);
    clock.advance(GRACE + MINUTE);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.delayed).toHaveLength(1);
  });

  it('queues every pending delivery at once, past the per-tick limit, in publish order', async () => {
    const pending = Array.from({ length: 1200 }, (_, i) => stuck(i + 1, { sweepAt: NOW + HOUR }));
    const { deps, queues } = setup(pending);
    await sweep(deps, { everything: true });
    expect(new Set(queues.enqueued.map((m) => m.deliveryId)).size).toBe(1200);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(pending.map((d) => d.id));
  });

  it('takes at most the per-tick limit on an ordinary tick', async () => {
    const { deps } = setup(Array.from({ length: 600 }, (_, i) => stuck(i + 1)));
    expect(await sweep(deps)).toEqual({ requeued: 500 });
  });
});

import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../lambdas/domain/model';
import { type SweepDeps, sweep } from '../../lambdas/domain/sweep';
import {
  deliveryFixture,
  endpointFixture,
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

function setup(deliveries: Delivery[]) {
  const clock = new FakeClock(NOW);
  const store = new FakeStore(clock);
  const queues = new FakeQueues();
  store.seed({
    endpoints: [endpointFixture({ id: 'ep_seq' }), endpointFixture({ id: 'ep_strict', ordering: 'strict' })],
    deliveries,
  });
  const deps: SweepDeps = { store, queues, clock, settings: testSettings() };
  return { store, queues, clock, deps };
}

/** A pending delivery created at T0 whose sweep time has passed and whose next attempt is overdue. */
const stuck = (overrides: Partial<Delivery>) =>
  deliveryFixture({
    endpointId: 'ep_seq',
    nextAttemptAt: NOW - 10 * MINUTE,
    sweepAt: NOW - MINUTE,
    ...overrides,
  });

describe('sweep', () => {
  it('queues a pending delivery past its sweep time for its next attempt, with its endpoint ordering', async () => {
    const { deps, queues } = setup([
      stuck({ id: 'dlv_1', attemptCount: 2 }),
      stuck({ id: 'dlv_2', endpointId: 'ep_strict', attemptCount: 0 }),
    ]);

    expect(await sweep(deps)).toEqual({ requeued: 2 });

    expect(queues.enqueued).toEqual([
      {
        v: 1,
        deliveryId: 'dlv_1',
        tenantId: 't_1',
        eventId: 'evt_1',
        endpointId: 'ep_seq',
        attempt: 3,
        ordering: 'sequential',
      },
      {
        v: 1,
        deliveryId: 'dlv_2',
        tenantId: 't_1',
        eventId: 'evt_1',
        endpointId: 'ep_strict',
        attempt: 1,
        ordering: 'strict',
      },
    ]);
    expect(queues.delayed).toEqual([]);
  });

  it('sends a delivery whose next attempt is still ahead to the retry queue with its due time', async () => {
    const { deps, queues } = setup([
      stuck({ id: 'dlv_soon', attemptCount: 1, nextAttemptAt: NOW + 90_500 }),
      stuck({ id: 'dlv_later', attemptCount: 1, nextAttemptAt: NOW + 30 * MINUTE }),
    ]);

    await sweep(deps);

    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([
      {
        message: expect.objectContaining({ deliveryId: 'dlv_later', attempt: 2, dueAt: NOW + 30 * MINUTE }),
        delaySeconds: 900,
      },
      {
        message: expect.objectContaining({ deliveryId: 'dlv_soon', attempt: 2, dueAt: NOW + 90_500 }),
        delaySeconds: 91,
      },
    ]);
  });

  it('pushes sweepAt forward by the grace period, or by the delivery age when that is longer', async () => {
    const { deps, store } = setup([
      stuck({ id: 'dlv_old', createdAt: new Date(T0).toISOString() }), // 1 h old
      stuck({ id: 'dlv_new', createdAt: new Date(NOW - 5 * MINUTE).toISOString() }), // 5 min old
    ]);

    await sweep(deps);

    expect(store.delivery('dlv_old').sweepAt).toBe(NOW + HOUR);
    expect(store.delivery('dlv_new').sweepAt).toBe(NOW + GRACE);
  });

  it('does not queue the same delivery again on the next tick', async () => {
    const { deps, queues } = setup([stuck({ id: 'dlv_1' })]);
    await sweep(deps);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.enqueued).toHaveLength(1);
  });

  it('leaves pending deliveries whose sweep time has not come', async () => {
    const { deps, queues, store } = setup([stuck({ id: 'dlv_fine', sweepAt: NOW + 1 })]);
    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(queues.enqueued).toEqual([]);
    expect(store.delivery('dlv_fine').sweepAt).toBe(NOW + 1);
  });

  it('queues a delivery exactly at its sweep time', async () => {
    const { deps, queues } = setup([stuck({ id: 'dlv_edge', sweepAt: NOW })]);
    expect(await sweep(deps)).toEqual({ requeued: 1 });
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(['dlv_edge']);
  });

  it('never touches succeeded or failed deliveries, in either mode', async () => {
    const done = [
      deliveryFixture({
        id: 'dlv_ok',
        status: 'succeeded',
        attemptCount: 1,
        nextAttemptAt: undefined,
        sweepAt: NOW - HOUR,
      }),
      deliveryFixture({
        id: 'dlv_dead',
        status: 'failed',
        attemptCount: 4,
        nextAttemptAt: undefined,
        sweepAt: NOW - HOUR,
      }),
    ];
    const { deps, queues, store } = setup(done);

    expect(await sweep(deps)).toEqual({ requeued: 0 });
    expect(await sweep(deps, { everything: true })).toEqual({ requeued: 0 });

    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([]);
    expect(store.allDeliveries()).toEqual(done);
  });

  it('queues deliveries in id (creation) order', async () => {
    const { deps, queues } = setup([
      stuck({ id: 'dlv_c', sweepAt: NOW - 3 * MINUTE }),
      stuck({ id: 'dlv_a', sweepAt: NOW - 1 * MINUTE }),
      stuck({ id: 'dlv_b', sweepAt: NOW - 2 * MINUTE }),
    ]);
    await sweep(deps);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(['dlv_a', 'dlv_b', 'dlv_c']);
  });

  it('takes at most limit deliveries per run', async () => {
    const { deps, queues } = setup([stuck({ id: 'dlv_1' }), stuck({ id: 'dlv_2' }), stuck({ id: 'dlv_3' })]);
    expect(await sweep(deps, { limit: 2 })).toEqual({ requeued: 2 });
    expect(queues.enqueued).toHaveLength(2);
  });

  it('sends a delivery of a deleted endpoint as sequential, for the deliverer to fail', async () => {
    const { deps, queues } = setup([stuck({ id: 'dlv_1', endpointId: 'ep_gone' })]);
    await sweep(deps);
    expect(queues.enqueued).toEqual([
      expect.objectContaining({ deliveryId: 'dlv_1', ordering: 'sequential' }),
    ]);
  });

  describe('everything mode (local runtime start)', () => {
    it('takes every pending delivery, whatever its sweep time', async () => {
      const { deps, queues } = setup([
        stuck({ id: 'dlv_due' }),
        stuck({
          id: 'dlv_waiting',
          attemptCount: 1,
          nextAttemptAt: NOW + 10 * MINUTE,
          sweepAt: NOW + 25 * MINUTE,
        }),
        stuck({ id: 'dlv_new', attemptCount: 0, nextAttemptAt: NOW, sweepAt: NOW + GRACE }),
      ]);

      expect(await sweep(deps, { everything: true })).toEqual({ requeued: 3 });

      expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(['dlv_due', 'dlv_new']);
      expect(queues.delayed).toEqual([
        {
          message: expect.objectContaining({
            deliveryId: 'dlv_waiting',
            attempt: 2,
            dueAt: NOW + 10 * MINUTE,
          }),
          delaySeconds: 600,
        },
      ]);
    });

    // A delivery waiting 12 h for its retry has sweepAt = nextAttemptAt + grace. Re-queuing it at start must
    // not pull sweepAt in to now + grace ("moves sweepAt forward", ports.ts): the periodic sweeper would
    // then copy it again and again (at +15 min, +30 min, +1 h, ...) until it is due.
    it('never moves a sweep time earlier, so the periodic sweeper does not copy a waiting delivery again', async () => {
      const sweepAt = NOW + 12 * HOUR + GRACE;
      const { deps, store, queues, clock } = setup([
        stuck({
          id: 'dlv_waiting',
          attemptCount: 5,
          nextAttemptAt: NOW + 12 * HOUR,
          sweepAt,
          createdAt: new Date(NOW - MINUTE).toISOString(),
        }),
      ]);

      await sweep(deps, { everything: true });
      expect(queues.delayed).toHaveLength(1);
      expect(store.delivery('dlv_waiting').sweepAt).toBeGreaterThanOrEqual(sweepAt);

      clock.advance(GRACE + MINUTE);
      expect(await sweep(deps)).toEqual({ requeued: 0 });
      expect(queues.delayed).toHaveLength(1);
    });
  });
});

describe('sweep at a restart (everything)', () => {
  it('queues every pending delivery at once, past the per-tick limit, none left for a later tick', async () => {
    const pending = Array.from({ length: 1200 }, (_, i) =>
      stuck({ id: `dlv_${String(i).padStart(5, '0')}`, sweepAt: NOW + HOUR }),
    );
    const { deps, queues } = setup(pending);
    expect(await sweep(deps, { everything: true })).toEqual({ requeued: 1200 });
    expect(new Set(queues.enqueued.map((m) => m.deliveryId)).size).toBe(1200);
    // Publish order kept: ids sort by creation time.
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(pending.map((d) => d.id));
  });

  it('takes at most the per-tick limit on an ordinary tick', async () => {
    const { deps } = setup(
      Array.from({ length: 600 }, (_, i) => stuck({ id: `dlv_${String(i).padStart(5, '0')}` })),
    );
    expect(await sweep(deps)).toEqual({ requeued: 500 });
  });
});

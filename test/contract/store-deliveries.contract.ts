/** The delivery half of the store contract (see store.contract.ts): records, attempts, sweep, expiry. */
import { describe, expect } from 'vitest';
import { newDeliveryId } from '../../lambdas/domain/ids';
import { newDelivery } from '../../lambdas/domain/model';
import { T0 } from '../support/fake-base';
import { allPages, attempt, DAY_MS, pending, refAt } from './contract-helpers';
import type { ContractContext } from './store.contract';
import { listingContract } from './store-listings.contract';

export function deliveryContract({ subject, clock, test }: ContractContext): void {
  const store = () => subject().store;

  describe('deliveries', () => {
    test('the first outcome creates the record; a duplicate is refused; later attempts add up', async () => {
      const ref = refAt(T0);
      expect(await store().getDelivery('t_1', ref.id)).toBeUndefined();
      expect(await store().getDeliveryState('t_1', ref.id)).toBeUndefined();
      clock().set(T0 + 100);
      expect(await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000))).toBe(true);
      expect(await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000))).toBe(false);
      const first = await store().getDelivery('t_1', ref.id);
      expect(first).toMatchObject({
        ...ref,
        status: 'pending',
        attemptCount: 1,
        attemptOffset: 0,
        nextAttemptAt: T0 + 1000,
        updatedAt: new Date(T0 + 100).toISOString(),
        attempts: [attempt(1, T0)],
      });
      expect(await store().getDeliveryState('t_1', ref.id)).toEqual({
        status: 'pending',
        attemptCount: 1,
        nextAttemptAt: T0 + 1000,
        attemptOffset: 0,
        updatedAt: new Date(T0 + 100).toISOString(),
      });
      clock().set(T0 + 2000);
      expect(
        await store().recordAttempt(ref, {
          attempt: attempt(2, T0 + 1000, 200),
          status: 'succeeded',
          attemptOffset: 0,
        }),
      ).toBe(true);
      // A copy of attempt 2, or any later attempt, finds it final.
      expect(
        await store().recordAttempt(ref, {
          attempt: attempt(2, T0 + 1000, 200),
          status: 'succeeded',
          attemptOffset: 0,
        }),
      ).toBe(false);
      expect(await store().recordAttempt(ref, pending(attempt(3, T0 + 1500), T0 + 3000))).toBe(false);
      const done = await store().getDelivery('t_1', ref.id);
      expect(done?.status).toBe('succeeded');
      expect(done?.nextAttemptAt).toBeUndefined();
      expect(done?.attemptCount).toBe(2);
      expect(done?.attempts.slice(0, 2).map((a) => a.number)).toEqual([1, 2]);
      expect(done?.attempts[1]).toEqual(attempt(2, T0 + 1000, 200));
      const [summary] = await store().getDeliveries('t_1', [ref.id]);
      expect(summary?.lastAttempt).toEqual({
        responseStatus: 200,
        startedAt: new Date(T0 + 1000).toISOString(),
      });
      expect(summary && 'attempts' in summary).toBe(false);
    });

    test('a refused attempt leaves no trace in the record', async () => {
      const ref = refAt(T0);
      await store().recordAttempt(ref, {
        attempt: attempt(1, T0, 200),
        status: 'succeeded',
        attemptOffset: 0,
      });
      expect(await store().recordAttempt(ref, pending(attempt(2, T0 + 1), T0 + 2))).toBe(false);
      const done = await store().getDelivery('t_1', ref.id);
      expect(done?.attemptCount).toBe(1);
      expect(done?.attempts.map((a) => a.number)).toEqual([1]);
    });

    test('a delivery recovered 10 times reads back whole, and no item is over 64 KB', async () => {
      const ref = refAt(T0);
      let n = 0;
      for (let round = 0; round <= 10; round++) {
        const offset = n;
        for (let i = 0; i < 4; i++) {
          n++;
          const last = i === 3;
          const ok = await store().recordAttempt(
            ref,
            last
              ? {
                  attempt: attempt(n, T0 + n),
                  status: 'failed',
                  failureReason: 'gave up',
                  attemptOffset: offset,
                }
              : pending(attempt(n, T0 + n), T0 + n + 1, offset),
          );
          expect(ok).toBe(true);
        }
        if (round < 10) {
          const again = await store().recoverDelivery('t_1', ref.id, T0 + n, T0 + n + 900_000);
          expect(again).toMatchObject({ status: 'pending', round: round + 1, attemptOffset: n });
        }
      }
      const whole = await store().getDelivery('t_1', ref.id);
      expect(whole?.attemptCount).toBe(44);
      expect(whole?.attempts.map((a) => a.number)).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
      expect(whole?.attempts[43]).toEqual(attempt(44, T0 + 44));
      const sizes = await subject().itemSizes?.();
      if (sizes) {
        expect(sizes.filter((s) => s.kind === 'attempt').length).toBe(43);
        const largest = Math.max(...sizes.map((s) => s.bytes));
        if (process.env.CONTRACT_PRINT_SIZES) console.info('item sizes', { largest, items: sizes.length });
        expect(largest).toBeLessThan(64 * 1024);
        // Without the split, one item would hold 44 attempts of over 4 KB each.
        expect(sizes.reduce((a, s) => a + s.bytes, 0)).toBeGreaterThan(44 * 4096);
      }
    });

    test('failDelivery ends an unrecorded or pending delivery, and nothing final', async () => {
      const unrecorded = refAt(T0, { eventId: 'evt_a' });
      expect(await store().failDelivery(unrecorded, 'endpoint was deleted', 3)).toBe(true);
      expect(await store().getDelivery('t_1', unrecorded.id)).toMatchObject({
        ...unrecorded,
        status: 'failed',
        failureReason: 'endpoint was deleted',
        attemptCount: 0,
        attemptOffset: 3,
        attempts: [],
      });
      expect(await store().failDelivery(unrecorded, 'again', 0)).toBe(false);
      const started = refAt(T0 + 1, { eventId: 'evt_b' });
      await store().recordAttempt(started, pending(attempt(1, T0), T0 + 1000));
      expect(await store().failDelivery(started, 'endpoint is disabled', 0)).toBe(true);
      const failed = await store().getDelivery('t_1', started.id);
      expect(failed).toMatchObject({
        status: 'failed',
        attemptCount: 1,
        failureReason: 'endpoint is disabled',
      });
      expect(failed?.nextAttemptAt).toBeUndefined();
      const succeeded = refAt(T0 + 2, { eventId: 'evt_c' });
      await store().recordAttempt(succeeded, {
        attempt: attempt(1, T0, 204),
        status: 'succeeded',
        attemptOffset: 0,
      });
      expect(await store().failDelivery(succeeded, 'late', 0)).toBe(false);
      expect((await store().getDelivery('t_1', succeeded.id))?.status).toBe('succeeded');
      expect(await store().listSweepable(T0 + DAY_MS, 100)).toEqual([]);
    });

    test('recoverDelivery turns a failed delivery pending for a new round, and nothing else', async () => {
      const ref = refAt(T0);
      await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000));
      expect(await store().recoverDelivery('t_1', ref.id, T0 + 5000, T0 + 9000)).toBeUndefined();
      await store().recordAttempt(ref, {
        attempt: attempt(2, T0 + 1000),
        status: 'failed',
        failureReason: 'gave up',
        attemptOffset: 0,
      });
      const again = await store().recoverDelivery('t_1', ref.id, T0 + 5000, T0 + 9000);
      expect(again).toMatchObject({
        id: ref.id,
        status: 'pending',
        attemptCount: 2,
        attemptOffset: 2,
        round: 1,
        nextAttemptAt: T0 + 5000,
      });
      expect(again?.failureReason).toBeUndefined();
      expect(await store().recoverDelivery('t_1', ref.id, T0 + 5000, T0 + 9000)).toBeUndefined();
      expect(await store().getDeliveryState('t_1', ref.id)).toMatchObject({
        status: 'pending',
        attemptOffset: 2,
      });
      const sweepable = await store().listSweepable(T0 + 9000, 100);
      expect(sweepable).toHaveLength(1);
      expect(sweepable[0]).toMatchObject({
        kind: 'delivery',
        sweepAt: T0 + 9000,
        delivery: { id: ref.id, round: 1 },
      });
      expect(await store().recoverDelivery('t_1', 'dlv_not-an-id', T0, T0)).toBeUndefined();
      expect(await store().recoverDelivery('t_1', newDeliveryId('ep_1', T0), T0, T0)).toBeUndefined();
    });

    test('getDeliveries returns the recorded ones among the ids asked for', async () => {
      const a = refAt(T0);
      const b = refAt(T0 + 1);
      await store().recordAttempt(a, pending(attempt(1, T0), T0));
      await store().failDelivery(b, 'gone', 0);
      const found = await store().getDeliveries('t_1', [a.id, refAt(T0 + 2).id, 'dlv_malformed', b.id]);
      expect(found.map((d) => d.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store().getDeliveries('t_2', [a.id])).toEqual([]);
      expect(await store().getDeliveries('t_1', [])).toEqual([]);
    });

    test('a replay created pending is readable, listed and sweepable before its first attempt', async () => {
      clock().set(T0 + 10);
      const replay = newDelivery(
        {
          tenantId: 't_1',
          eventId: 'evt_1',
          eventType: 'order.created',
          endpointId: 'ep_1',
          replayOf: 'dlv_orig',
        },
        T0 + 10,
      );
      await store().createDelivery(replay, T0 + 60_000);
      await expect(store().createDelivery(replay, T0 + 60_000)).rejects.toThrow();
      expect(await store().getDelivery('t_1', replay.id)).toMatchObject({ ...replay, attemptOffset: 0 });
      expect(await allPages(store(), { tenantId: 't_1', status: 'pending', limit: 5 })).toEqual([replay.id]);
      expect(await store().listSweepable(T0 + 59_999, 10)).toEqual([]);
      expect(await store().listSweepable(T0 + 60_000, 10)).toMatchObject([
        {
          kind: 'delivery',
          sweepAt: T0 + 60_000,
          delivery: { id: replay.id, replayOf: 'dlv_orig', round: 0 },
        },
      ]);
      expect(
        await store().recordAttempt(replay, {
          attempt: attempt(1, T0, 200),
          status: 'succeeded',
          attemptOffset: 0,
        }),
      ).toBe(true);
      expect(await store().listSweepable(T0 + DAY_MS, 10)).toEqual([]);
    });

    test('rescheduleSweep moves sweepAt only from the expected value, only while pending', async () => {
      const ref = refAt(T0);
      await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000));
      expect(await store().rescheduleSweep('t_1', ref.id, T0 + 5, T0 + 5_000_000)).toBe(false);
      expect(await store().rescheduleSweep('t_1', ref.id, T0 + 901_000, T0 + 5_000_000)).toBe(true);
      expect(await store().listSweepable(T0 + 4_999_999, 10)).toEqual([]);
      expect(await store().listSweepable(T0 + 5_000_000, 10)).toHaveLength(1);
      await store().recordAttempt(ref, {
        attempt: attempt(2, T0, 200),
        status: 'succeeded',
        attemptOffset: 0,
      });
      expect(await store().rescheduleSweep('t_1', ref.id, T0 + 5_000_000, T0 + 6_000_000)).toBe(false);
      expect(await store().rescheduleSweep('t_1', 'dlv_malformed', 0, 1)).toBe(false);
    });

    test('lists every pending delivery, whatever its sweepAt, when asked for everything', async () => {
      const a = refAt(T0);
      const b = refAt(T0 + 1);
      await store().recordAttempt(a, pending(attempt(1, T0), T0 + 1000));
      await store().recordAttempt(b, { attempt: attempt(1, T0, 200), status: 'succeeded', attemptOffset: 0 });
      expect(await store().listSweepable(T0, 10)).toEqual([]);
      const all = await store().listSweepable(T0, 10, true);
      expect(all).toMatchObject([{ kind: 'delivery', delivery: { id: a.id, round: 0 } }]);
    });

    test('reads ignore records past their retention, by the injected clock', async () => {
      const ref = refAt(T0);
      await store().putEvent({
        id: 'evt_1',
        tenantId: 't_1',
        type: 'order.created',
        body: '{}',
        createdAt: new Date(T0).toISOString(),
        deliveries: [],
      });
      await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000));
      await store().markUnsent('t_1', 'evt_1', T0 + 1000);
      clock().set(T0 + 29 * DAY_MS);
      expect(await store().getDelivery('t_1', ref.id)).toBeDefined();
      clock().set(T0 + 31 * DAY_MS);
      expect(await store().getEvent('t_1', 'evt_1')).toBeUndefined();
      expect(await store().getDelivery('t_1', ref.id)).toBeUndefined();
      expect(await store().getDeliveries('t_1', [ref.id])).toEqual([]);
      expect(await allPages(store(), { tenantId: 't_1', endpointId: 'ep_1', limit: 5 })).toEqual([]);
      expect(await allPages(store(), { tenantId: 't_1', status: 'pending', limit: 5 })).toEqual([]);
      expect(await store().listSweepable(T0 + 31 * DAY_MS, 10)).toEqual([]);
      expect(await store().listSweepable(T0 + 31 * DAY_MS, 10, true)).toEqual([]);
    });

    test('holdDeliveries writes a held record: listed by endpoint, recoverable, never sweepable', async () => {
      clock().set(T0 + 10);
      const of = { tenantId: 't_1', eventId: 'evt_h', eventType: 'order.created', endpointId: 'ep_1' };
      const held = newDelivery(of, T0 + 10);
      await store().holdDeliveries([held]);
      const identity = { id: held.id, ...of, createdAt: held.createdAt };
      expect(await store().getDelivery('t_1', held.id)).toMatchObject({
        ...identity,
        status: 'held',
        attemptCount: 0,
        attempts: [],
      });
      const query = { tenantId: 't_1', endpointId: 'ep_1', status: 'held' as const, limit: 5 };
      expect(await allPages(store(), query)).toEqual([held.id]);
      expect(await allPages(store(), { ...query, status: 'pending' })).toEqual([]);
      await expect(store().holdDeliveries([held])).resolves.toBeUndefined();
      expect(await store().getDeliveryState('t_1', held.id)).toMatchObject({
        status: 'held',
        attemptCount: 0,
      });
      expect(await store().listSweepable(T0 + DAY_MS, 100)).toEqual([]);
      const again = await store().recoverDelivery('t_1', held.id, T0 + 5000, T0 + 9000);
      expect(again).toMatchObject({ ...identity, status: 'pending', attemptCount: 0, round: 1 });
      expect(await allPages(store(), query)).toEqual([]);
      expect(await store().recoverDelivery('t_1', held.id, T0 + 5000, T0 + 9000)).toBeUndefined();
    });

    test('getDeliveryState ignores a record past its retention', async () => {
      const ref = refAt(T0);
      await store().recordAttempt(ref, pending(attempt(1, T0), T0 + 1000));
      clock().set(T0 + 31 * DAY_MS);
      expect(await store().getDeliveryState('t_1', ref.id)).toBeUndefined();
    });
  });
  listingContract({ subject, clock, test });
}

/** The delivery listings of the store contract (see store.contract.ts): by endpoint, by tenant and status. */
import { describe, expect } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import { T0 } from '../support/fake-base';
import { allPages, attempt, pending, refAt } from './contract-helpers';
import type { ContractContext } from './store.contract';

export function listingContract({ subject, test }: ContractContext): void {
  const store = () => subject().store;

  describe('delivery listings', () => {
    test("lists an endpoint's deliveries newest first, by page, status and since", async () => {
      const refs = Array.from({ length: 6 }, (_, i) => refAt(T0 + i * 60_000));
      for (const [i, ref] of refs.entries()) {
        if (i % 2 === 0)
          await store().recordAttempt(ref, {
            attempt: attempt(1, T0, 200),
            status: 'succeeded',
            attemptOffset: 0,
          });
        else
          await store().recordAttempt(ref, {
            attempt: attempt(1, T0),
            status: 'failed',
            failureReason: 'x',
            attemptOffset: 0,
          });
      }
      await store().recordAttempt(refAt(T0, { endpointId: 'ep_2' }), pending(attempt(1, T0), T0));
      const newestFirst = refs.map((r) => r.id).reverse();
      expect(await allPages(store(), { tenantId: 't_1', endpointId: 'ep_1', limit: 4 })).toEqual(newestFirst);
      expect(await allPages(store(), { tenantId: 't_1', endpointId: 'ep_1', limit: 2 })).toEqual(newestFirst);
      expect(
        await allPages(store(), { tenantId: 't_1', endpointId: 'ep_1', status: 'failed', limit: 2 }),
      ).toEqual(newestFirst.filter((_, i) => i % 2 === 0));
      expect(
        await allPages(store(), { tenantId: 't_1', endpointId: 'ep_1', since: T0 + 3 * 60_000, limit: 10 }),
      ).toEqual(newestFirst.slice(0, 3));
      expect(await allPages(store(), { tenantId: 't_2', endpointId: 'ep_1', limit: 10 })).toEqual([]);
      const first = await store().listDeliveries({ tenantId: 't_1', endpointId: 'ep_1', limit: 2 });
      expect(first.items[0]?.lastAttempt?.responseStatus).toBe(500);
      await expect(
        store().listDeliveries({ tenantId: 't_1', endpointId: 'ep_2', limit: 2, cursor: first.cursor! }),
      ).rejects.toThrow(ValidationError);
    });

    test("lists a tenant's pending or failed deliveries across endpoints, newest first", async () => {
      const a = refAt(T0, { endpointId: 'ep_a' });
      const b = refAt(T0 + 1000, { endpointId: 'ep_b' });
      const c = refAt(T0 + 2000, { endpointId: 'ep_a' });
      const d = refAt(T0 + 3000, { endpointId: 'ep_b' });
      await store().recordAttempt(a, pending(attempt(1, T0), T0 + 1000));
      await store().recordAttempt(b, {
        attempt: attempt(1, T0),
        status: 'failed',
        failureReason: 'x',
        attemptOffset: 0,
      });
      await store().recordAttempt(c, pending(attempt(1, T0), T0 + 1000));
      await store().recordAttempt(d, { attempt: attempt(1, T0, 200), status: 'succeeded', attemptOffset: 0 });
      await store().recordAttempt(refAt(T0, { tenantId: 't_2' }), pending(attempt(1, T0), T0));
      expect(await allPages(store(), { tenantId: 't_1', status: 'pending', limit: 1 })).toEqual([c.id, a.id]);
      expect(await allPages(store(), { tenantId: 't_1', status: 'failed', limit: 5 })).toEqual([b.id]);
      expect(
        await allPages(store(), { tenantId: 't_1', status: 'pending', since: T0 + 1000, limit: 5 }),
      ).toEqual([c.id]);
      // A delivery that moves on leaves the listing of its old status.
      await store().recordAttempt(c, { attempt: attempt(2, T0, 200), status: 'succeeded', attemptOffset: 0 });
      await store().recoverDelivery('t_1', b.id, T0 + 5000, T0 + 9000);
      expect(await allPages(store(), { tenantId: 't_1', status: 'pending', limit: 5 })).toEqual([b.id, a.id]);
      expect(await allPages(store(), { tenantId: 't_1', status: 'failed', limit: 5 })).toEqual([]);
      await expect(store().listDeliveries({ tenantId: 't_1', limit: 5 })).rejects.toThrow(ValidationError);
      await expect(
        store().listDeliveries({ tenantId: 't_1', status: 'succeeded', limit: 5 }),
      ).rejects.toThrow(ValidationError);
    });
  });
}

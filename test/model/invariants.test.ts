/** The invariants can fail: each one flags a run that breaks it. */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants';
import { World } from './wiring';

const headers = (deliveryId: string) => ({ 'YumKiosk-Delivery': deliveryId });

async function world(ordering: 'strict' | 'sequential') {
  const w = new World({ random: () => 0.5 });
  await w.addEndpoint('ep', ordering, { down: [], latencyMs: 100 });
  return w;
}

describe('invariants', () => {
  it('flag two POSTs to one endpoint in flight at once', async () => {
    const w = await world('sequential');
    const url = 'https://ep.receiver.example/hook';
    const both = Promise.all([
      w.receiver.post(url, headers('a'), '{}', 1000),
      w.receiver.post(url, headers('b'), '{}', 1000),
    ]);
    await w.clock.runUntil(w.clock.now() + 1000);
    await both;
    expect(checkInvariants(w).map((v) => v.invariant)).toContain('no-overlap');
  });

  it('flag a pending delivery, strict successes out of publish order, and unexplained duplicates', async () => {
    const w = await world('strict');
    await w.publish('ep');
    await w.publish('ep');
    const [first, second] = w.published;
    const url = first!.url;
    for (const id of [second!.deliveryId, first!.deliveryId, first!.deliveryId]) {
      const post = w.receiver.post(url, headers(id), '{}', 1000);
      await w.clock.runUntil(w.clock.now() + 100);
      await post;
    }
    const kinds = checkInvariants(w).map((v) => v.invariant);
    expect(kinds).toEqual(
      expect.arrayContaining(['final-with-reason', 'strict-order', 'duplicates-bounded']),
    );
  });
});

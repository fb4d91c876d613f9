/**
 * Deliveries held for a disabled endpoint: written `held` at publish (no queue message), sent oldest first
 * when the endpoint is enabled, requeued by `recover`, and not replayable.
 */
import { describe, expect, it } from 'vitest';
import { replayDelivery } from '../../lambdas/domain/deliveries';
import { DISABLED_BY_API, updateEndpoint } from '../../lambdas/domain/endpoints';
import { ConflictError, DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { Endpoint } from '../../lambdas/domain/model';
import { publishEvent } from '../../lambdas/domain/publish';
import { recoverEndpoint } from '../../lambdas/domain/recover';
import {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  FakeClock,
  fakeService,
  T0,
} from '../support/fakes';
import { pastAttempt } from './deliver-setup';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

const disabledEndpoint = (over: Partial<Endpoint> = {}) =>
  endpointFixture({
    status: 'disabled',
    disabledAt: iso(T0 - HOUR),
    disabledReason: 'every attempt failed since …',
    failingSince: iso(T0 - 6 * 24 * HOUR),
    updatedAt: iso(T0 - HOUR),
    ...over,
  });

/** A service whose tenant `t_1` has the disabled `ep_1` and an enabled `ep_2`. */
function heldSetup() {
  const svc = fakeService({ clock: new FakeClock(T0) });
  svc.store.seed({ endpoints: [disabledEndpoint(), endpointFixture({ id: 'ep_2' })] });
  const publish = async (n: number) => {
    const out = await publishEvent(svc, {
      tenantId: 't_1',
      id: `evt_${n}`,
      type: 'order.created',
      data: { n },
    });
    svc.clock.advance(1000);
    return out.body.deliveries.find((d) => d.endpointId === 'ep_1')!.id;
  };
  return { svc, publish };
}

describe('held deliveries', () => {
  it('are written held, with no queue message, for a disabled endpoint', async () => {
    const { svc, publish } = heldSetup();
    const first = await publish(1);
    const second = await publish(2);

    // Only the enabled endpoint got messages.
    expect(svc.queues.enqueued.map((m) => m.endpointId)).toEqual(['ep_2', 'ep_2']);
    for (const id of [first, second]) {
      expect(svc.store.delivery(id)).toMatchObject({ status: 'held', attemptCount: 0, round: 0 });
      expect(svc.store.delivery(id).nextAttemptAt).toBeUndefined();
    }
    const listed = await svc.store.listDeliveries({
      tenantId: 't_1',
      endpointId: 'ep_1',
      status: 'held',
      limit: 10,
    });
    expect(listed.items.map((d) => d.id)).toEqual([second, first]);
    // Held deliveries are not the sweeper's: it would send them to a disabled endpoint.
    expect(await svc.store.listSweepable(T0 + 24 * HOUR, 100)).toEqual([]);
  });

  it('are sent oldest first when the endpoint is enabled, which ends its streak', async () => {
    const { svc, publish } = heldSetup();
    const first = await publish(1);
    const second = await publish(2);
    const third = await publish(3);
    svc.queues.reset();

    const view = await updateEndpoint(svc, 't_1', 'ep_1', { status: 'enabled' });

    expect(view.status).toBe('enabled');
    expect(svc.queues.enqueued.map((m) => m.deliveryId)).toEqual([first, second, third]);
    expect(svc.queues.enqueued).toMatchObject([
      { endpointId: 'ep_1', eventId: 'evt_1', attempt: 1, attemptOffset: 0, round: 1 },
      { endpointId: 'ep_1', eventId: 'evt_2', attempt: 1, attemptOffset: 0, round: 1 },
      { endpointId: 'ep_1', eventId: 'evt_3', attempt: 1, attemptOffset: 0, round: 1 },
    ]);
    // Each message carries its event's body, so the first attempt reads nothing.
    expect(JSON.parse(svc.queues.enqueued[0]!.body!)).toMatchObject({ id: 'evt_1', data: { n: 1 } });
    for (const id of [first, second, third]) {
      expect(svc.store.delivery(id)).toMatchObject({ status: 'pending', round: 1 });
    }
    const stored = await svc.store.getEndpoint('t_1', 'ep_1');
    expect(stored?.status).toBe('enabled');
    expect(stored?.failingSince).toBeUndefined();
    expect(stored?.disabledAt).toBeUndefined();
    expect(stored?.disabledReason).toBeUndefined();

    expect(svc.bus.events).toHaveLength(1);
    expect(svc.bus.events[0]).toMatchObject({
      type: 'endpoint.enabled',
      data: { tenantId: 't_1', endpointId: 'ep_1', url: stored?.url },
    });
  });

  it('are sent once: a second enable has nothing held left', async () => {
    const { svc, publish } = heldSetup();
    await publish(1);
    await updateEndpoint(svc, 't_1', 'ep_1', { status: 'enabled' });
    await updateEndpoint(svc, 't_1', 'ep_1', { status: 'disabled' });
    svc.queues.reset();
    await updateEndpoint(svc, 't_1', 'ep_1', { status: 'enabled' });
    expect(svc.queues.enqueued).toEqual([]);
  });

  it('disabling through the API reports endpoint.disabled with the reason', async () => {
    const svc = fakeService({ clock: new FakeClock(T0) });
    svc.store.seed({ endpoints: [endpointFixture()] });
    svc.clock.advance(5000);

    await updateEndpoint(svc, 't_1', 'ep_1', { status: 'disabled' });

    expect(svc.bus.events).toMatchObject([
      {
        type: 'endpoint.disabled',
        data: { tenantId: 't_1', endpointId: 'ep_1', reason: DISABLED_BY_API, at: iso(T0 + 5000) },
      },
    ]);
    // An update that leaves the status as it was reports nothing.
    await updateEndpoint(svc, 't_1', 'ep_1', { description: 'still off' });
    expect(svc.bus.events).toHaveLength(1);
  });

  it('are requeued by recover since a time, with the failed deliveries, oldest first', async () => {
    const svc = fakeService({ clock: new FakeClock(T0) });
    svc.store.seed({ endpoints: [disabledEndpoint()], events: [eventFixture()] });
    // A failed delivery that ended after `since`, and one that ended before it.
    const failedAfter = deliveryFixture({
      id: deliveryIdFor('ep_1', 1, T0 - 10 * 60_000),
      status: 'failed',
      attemptCount: 4,
      attempts: [pastAttempt(1), pastAttempt(2), pastAttempt(3), pastAttempt(4)],
      failureReason: 'gave up after 4 attempts',
      createdAt: iso(T0 - 10 * 60_000),
      updatedAt: iso(T0 + 60_000),
    });
    const failedBefore = deliveryFixture({
      ...failedAfter,
      id: deliveryIdFor('ep_1', 2, T0 - 10 * 60_000),
      updatedAt: iso(T0 - 60_000),
    });
    svc.store.seed({ deliveries: [failedAfter, failedBefore] });
    svc.clock.set(T0 + 2 * 60_000);
    const held = (await publishEvent(svc, { tenantId: 't_1', id: 'evt_h', type: 'order.created', data: {} }))
      .body.deliveries[0]!.id;
    // Enabled again without a release (one cut short): the held delivery is still held.
    svc.store.seed({ endpoints: [endpointFixture({ updatedAt: iso(T0 + 3 * 60_000) })] });
    svc.clock.set(T0 + HOUR);

    expect(await recoverEndpoint(svc, 't_1', 'ep_1', iso(T0))).toEqual({ requeued: 2 });

    expect(svc.queues.enqueued.map((m) => m.deliveryId)).toEqual([failedAfter.id, held]);
    expect(svc.queues.enqueued).toMatchObject([
      { attempt: 5, attemptOffset: 4, round: 1, eventId: 'evt_1' },
      { attempt: 1, attemptOffset: 0, round: 1, eventId: 'evt_h' },
    ]);
    expect(svc.store.delivery(failedAfter.id)).toMatchObject({ status: 'pending', round: 1 });
    expect(svc.store.delivery(held).status).toBe('pending');
    expect(svc.store.delivery(failedBefore.id).status).toBe('failed');
  });

  it('are not recovered while the endpoint is disabled', async () => {
    const { svc, publish } = heldSetup();
    await publish(1);
    await expect(recoverEndpoint(svc, 't_1', 'ep_1', iso(T0))).rejects.toBeInstanceOf(ConflictError);
  });

  it('cannot be replayed (409): enabling the endpoint sends them', async () => {
    const { svc, publish } = heldSetup();
    const held = await publish(1);
    svc.queues.reset();
    const error = await replayDelivery(svc, 't_1', held).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect((error as ConflictError).message).toMatch(/held/);
    expect(svc.queues.enqueued).toEqual([]);
    expect(svc.store.delivery(held).status).toBe('held');
  });

  it('a release cut short still enables the endpoint, says so, and answers 503 naming recover', async () => {
    const { svc, publish } = heldSetup();
    const held = await publish(1);
    svc.store.fail('recoverDelivery', new DependencyUnavailableError('dynamodb'), 1);
    const enabling = updateEndpoint(svc, 't_1', 'ep_1', { status: 'enabled' });
    await expect(enabling).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(enabling).rejects.toThrow(/endpoint ep_1 is enabled, .*\/recover with \{"since":"/);
    expect((await svc.store.getEndpoint('t_1', 'ep_1'))?.status).toBe('enabled');
    expect(svc.bus.events.map((e) => e.type)).toEqual(['endpoint.enabled']);
    expect(svc.store.delivery(held).status).toBe('held');
    // What the answer says to do sends it.
    const since = iso(T0 - HOUR);
    expect(await recoverEndpoint(svc, 't_1', 'ep_1', since)).toEqual({ requeued: 1 });
    expect(svc.queues.enqueued.filter((m) => m.endpointId === 'ep_1').map((m) => m.deliveryId)).toEqual([
      held,
    ]);
  });

  it('a repeat publish of the event after the release does not send a round-0 copy', async () => {
    const { svc, publish } = heldSetup();
    const held = await publish(1);
    await updateEndpoint(svc, 't_1', 'ep_1', { status: 'enabled' });
    const before = svc.queues.enqueued.length;
    const again = await publishEvent(svc, {
      tenantId: 't_1',
      id: 'evt_1',
      type: 'order.created',
      data: { n: 1 },
    });
    expect(again.status).toBe(200);
    expect(again.body.deliveries.map((d) => d.id)).toContain(held);
    // ep_2's unrecorded delivery is re-sent (SQS drops the copy); the released one is not.
    expect(svc.queues.enqueued.slice(before).map((m) => m.endpointId)).toEqual(['ep_2']);
  });
});

describe('enabling with a fan-out cache (FANOUT_CACHE_TTL)', () => {
  it('waits the TTL after the write and only then releases what is held', async () => {
    const { svc, publish } = heldSetup();
    await publish(1);
    const sentBefore = svc.queues.enqueued.length;
    const waits: { ms: number; enabled: boolean | undefined; sentSince: number }[] = [];
    const deps = {
      ...svc,
      settings: { ...svc.settings, fanoutCacheTtlMs: 1000 },
      wait: async (ms: number) => {
        const stored = await svc.store.getEndpoint('t_1', 'ep_1');
        waits.push({
          ms,
          enabled: stored?.status === 'enabled',
          sentSince: svc.queues.enqueued.length - sentBefore,
        });
      },
    };
    await updateEndpoint(deps, 't_1', 'ep_1', { status: 'enabled' });
    // The wait came after the write (the endpoint reads enabled) and before the release (nothing sent yet).
    expect(waits).toEqual([{ ms: 1000, enabled: true, sentSince: 0 }]);
    expect(svc.queues.enqueued.slice(sentBefore).map((m) => m.endpointId)).toEqual(['ep_1']);
  });
});

/**
 * The failure streak (`failingSince`) and the auto-disable after `ENDPOINT_DISABLE_AFTER`: noteAttempt on
 * its own over a FakeStore, then through the delivery handler with the operational events it emits.
 */
import { describe, expect, it } from 'vitest';
import { handleDeliveryMessage } from '../../lambdas/domain/deliver';
import { DEFAULT_DISABLE_AFTER_MS, noteAttempt } from '../../lambdas/domain/endpoint-health';
import type { Delivery, DeliveryMessage, Endpoint } from '../../lambdas/domain/model';
import {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  FakeClock,
  type FakeService,
  FakeStore,
  fakeService,
  httpStatus,
  messageFor,
  T0,
} from '../support/fakes';
import { pastAttempt } from './deliver-setup';

const AFTER_MS = 90_000;
/** Where the health tests' clock starts. */
const NOW = T0 + 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function healthSetup(endpoint: Endpoint, afterMs = AFTER_MS) {
  const clock = new FakeClock(NOW);
  const store = new FakeStore(clock);
  store.seed({ endpoints: [endpoint] });
  const deps = { store, clock, settings: { endpointDisableAfterMs: afterMs } };
  const stored = async () => (await store.getEndpoint(endpoint.tenantId, endpoint.id))!;
  return { clock, store, deps, stored };
}

describe('noteAttempt', () => {
  it("costs nothing when a healthy endpoint's attempt succeeds", async () => {
    const ep = endpointFixture();
    const { store, deps } = healthSetup(ep);
    expect(await noteAttempt(deps, ep, true)).toBeUndefined();
    expect(store.methodsCalled()).toEqual([]);
  });

  it('starts the streak on the first failure with a consistent read and a conditional update', async () => {
    const ep = endpointFixture();
    const { clock, store, deps, stored } = healthSetup(ep);
    expect(await noteAttempt(deps, ep, false)).toBeUndefined();
    expect(store.methodsCalled()).toEqual(['getEndpoint', 'updateEndpoint']);
    expect(store.calls[0]!.args).toEqual(['t_1', 'ep_1', { consistent: true }]);
    expect(store.calls[1]!.args[1]).toBe(ep.updatedAt);
    const now = await stored();
    expect(now.failingSince).toBe(iso(clock.now()));
    expect(now.status).toBe('enabled');
    expect(Date.parse(now.updatedAt)).toBeGreaterThan(Date.parse(ep.updatedAt));
  });

  it('writes nothing for a second failure while the streak is younger than the window', async () => {
    const ep = endpointFixture();
    const { clock, store, deps, stored } = healthSetup(ep);
    await noteAttempt(deps, ep, false);
    const streaking = await stored();
    const calls = store.calls.length;
    clock.advance(AFTER_MS - 1);
    expect(await noteAttempt(deps, streaking, false)).toBeUndefined();
    expect(store.calls.length).toBe(calls);
    expect(await stored()).toEqual(streaking);
  });

  it('does not restart a streak another attempt started (the cached record was stale)', async () => {
    const ep = endpointFixture();
    const { clock, store, deps, stored } = healthSetup({ ...ep, failingSince: iso(T0) });
    expect(await noteAttempt(deps, ep, false)).toBeUndefined();
    expect(store.methodsCalled()).toEqual(['getEndpoint']);
    expect((await stored()).failingSince).toBe(iso(T0));
    expect(clock.now()).toBeGreaterThan(T0);
  });

  it('disables the endpoint once the streak has lasted ENDPOINT_DISABLE_AFTER, and returns it', async () => {
    const since = iso(NOW - AFTER_MS);
    const ep = endpointFixture({ failingSince: since });
    const { clock, store, deps, stored } = healthSetup(ep);
    const disabled = await noteAttempt(deps, ep, false);
    expect(disabled).toMatchObject({
      id: 'ep_1',
      tenantId: 't_1',
      status: 'disabled',
      disabledAt: iso(clock.now()),
      failingSince: since,
    });
    expect(disabled?.disabledReason).toContain('ENDPOINT_DISABLE_AFTER');
    expect(disabled?.disabledReason).toContain('90s');
    expect(disabled?.disabledReason).toContain(since);
    expect(await stored()).toEqual(disabled);
    expect(store.calls.find((c) => c.method === 'getEndpoint')?.args[2]).toEqual({ consistent: true });
    expect(store.calls.find((c) => c.method === 'updateEndpoint')?.args[1]).toBe(ep.updatedAt);
  });

  it('does not disable one millisecond short of the window', async () => {
    const ep = endpointFixture({ failingSince: iso(NOW - AFTER_MS + 1) });
    const { store, deps, stored } = healthSetup(ep);
    expect(await noteAttempt(deps, ep, false)).toBeUndefined();
    expect(store.methodsCalled()).toEqual([]);
    expect((await stored()).status).toBe('enabled');
  });

  it('uses 5 days when ENDPOINT_DISABLE_AFTER is not set', async () => {
    const young = endpointFixture({ failingSince: iso(NOW - DEFAULT_DISABLE_AFTER_MS + 1000) });
    const a = healthSetup(young);
    expect(await noteAttempt({ ...a.deps, settings: {} }, young, false)).toBeUndefined();
    const old = endpointFixture({ failingSince: iso(NOW - DEFAULT_DISABLE_AFTER_MS) });
    const b = healthSetup(old);
    const disabled = await noteAttempt({ ...b.deps, settings: {} }, old, false);
    expect(disabled?.disabledReason).toContain('ENDPOINT_DISABLE_AFTER 5d');
  });

  it('clears failingSince on a success', async () => {
    const ep = endpointFixture({ failingSince: iso(T0) });
    const { store, deps, stored } = healthSetup(ep);
    expect(await noteAttempt(deps, ep, true)).toBeUndefined();
    expect(store.methodsCalled()).toEqual(['getEndpoint', 'updateEndpoint']);
    const now = await stored();
    expect('failingSince' in now).toBe(false);
    expect(now.status).toBe('enabled');
  });

  it("does not start a streak on a disabled endpoint's failure", async () => {
    const ep = endpointFixture({ status: 'disabled', disabledAt: iso(T0), disabledReason: 'by hand' });
    const { store, deps, stored } = healthSetup(ep);
    expect(await noteAttempt(deps, ep, false)).toBeUndefined();
    expect(store.methodsCalled()).not.toContain('updateEndpoint');
    expect((await stored()).failingSince).toBeUndefined();
  });
});

const OPS = '_operational';
const opsEndpoint = (events: string[], id = 'ep_ops') =>
  endpointFixture({ id, tenantId: OPS, url: 'https://ops.example.com/hook', events });

/** A fakeService whose tenant `t_1` has `ep_1` (and the event), plus the given operational endpoints. */
function service(options: { endpoint?: Partial<Endpoint>; ops?: Endpoint[]; status?: number } = {}) {
  const svc = fakeService({ clock: new FakeClock(T0), http: () => httpStatus(options.status ?? 500) });
  svc.store.seed({
    endpoints: [endpointFixture(options.endpoint), ...(options.ops ?? [])],
    events: [eventFixture()],
  });
  return svc;
}

function run(svc: FakeService, message: DeliveryMessage, receiveCount = 1) {
  return handleDeliveryMessage(svc, { body: JSON.stringify(message), receiptHandle: 'rh-1', receiveCount });
}

/** A delivery with three failed attempts: the next one (4) is the last of the test schedule. */
function lastAttempt(over: Partial<Delivery> = {}): { delivery: Delivery; message: DeliveryMessage } {
  const delivery = deliveryFixture({
    attemptCount: 3,
    attempts: [pastAttempt(1), pastAttempt(2), pastAttempt(3)],
    ...over,
  });
  return { delivery, message: messageFor(delivery, { attempt: 4 }) };
}

describe('the delivery handler and the failure streak', () => {
  it('disables an endpoint failing for longer than the window and reports endpoint.disabled', async () => {
    const since = iso(T0 - DEFAULT_DISABLE_AFTER_MS - 60_000);
    const svc = service({ endpoint: { failingSince: since }, ops: [opsEndpoint(['endpoint.disabled'])] });
    const message = messageFor(deliveryFixture());

    expect(await run(svc, message)).toBe('ack');

    const ep = await svc.store.getEndpoint('t_1', 'ep_1');
    expect(ep).toMatchObject({ status: 'disabled', disabledAt: iso(T0) });
    expect(ep?.disabledReason).toContain('ENDPOINT_DISABLE_AFTER');
    const disabled = svc.bus.events.filter((e) => e.type === 'endpoint.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.data).toMatchObject({
      tenantId: 't_1',
      endpointId: 'ep_1',
      reason: expect.stringContaining('ENDPOINT_DISABLE_AFTER'),
    });
    expect(svc.bus.events.map((e) => e.type)).toEqual(['endpoint.disabled']);

    // Through the pipeline: the operational tenant's endpoint gets it as a delivery of its own.
    const toOps = svc.queues.enqueued.filter((m) => m.tenantId === OPS);
    expect(toOps).toHaveLength(1);
    expect(toOps[0]).toMatchObject({
      endpointId: 'ep_ops',
      eventType: 'endpoint.disabled',
      eventId: disabled[0]!.id,
      attempt: 1,
    });
    expect(JSON.parse(toOps[0]!.body!)).toMatchObject({
      id: disabled[0]!.id,
      event: 'endpoint.disabled',
      data: { tenantId: 't_1', endpointId: 'ep_1' },
    });
    // The attempt itself is still retried as usual (its next attempt finds the endpoint disabled).
    expect(svc.queues.delayed).toHaveLength(1);
  });

  it('reports delivery.failed when the last attempt of the schedule fails', async () => {
    const svc = service({ ops: [opsEndpoint(['delivery.failed'])] });
    const { message } = lastAttempt();

    expect(await run(svc, message)).toBe('ack');

    expect(svc.queues.deadLettered).toHaveLength(1);
    expect(svc.bus.events).toHaveLength(1);
    const [event] = svc.bus.events;
    expect(event).toMatchObject({
      id: `op_failed_${deliveryIdFor('ep_1')}.0`,
      type: 'delivery.failed',
      data: {
        tenantId: 't_1',
        endpointId: 'ep_1',
        deliveryId: deliveryIdFor('ep_1'),
        eventId: 'evt_1',
        eventType: 'order.created',
        attempts: 4,
        reason: 'gave up after 4 attempts',
        at: iso(T0),
      },
    });
    expect(svc.queues.enqueued.filter((m) => m.tenantId === OPS)).toMatchObject([
      { endpointId: 'ep_ops', eventType: 'delivery.failed', eventId: event!.id },
    ]);
  });

  it('reports no delivery.failed (and keeps no streak) for a failed test ping', async () => {
    const svc = service({ ops: [opsEndpoint(['*'])] });
    const message = messageFor(deliveryFixture({ eventType: 'ping' }), { noRetry: true });

    expect(await run(svc, message)).toBe('ack');

    expect(svc.store.delivery(deliveryIdFor('ep_1')).status).toBe('failed');
    expect(svc.bus.events).toEqual([]);
    expect(svc.queues.enqueued).toEqual([]);
    expect(svc.queues.deadLettered).toEqual([]);
    expect((await svc.store.getEndpoint('t_1', 'ep_1'))?.failingSince).toBeUndefined();
  });

  it("puts an operational endpoint's own delivery.failed on the bus only, not into the pipeline", async () => {
    const own = opsEndpoint(['delivery.failed']);
    const other = opsEndpoint(['*'], 'ep_ops2');
    const svc = service({ ops: [own, other] });
    const { message } = lastAttempt({
      tenantId: OPS,
      endpointId: 'ep_ops',
      id: deliveryIdFor('ep_ops'),
      eventId: 'op_failed_x',
      eventType: 'delivery.failed',
    });

    expect(await run(svc, message)).toBe('ack');

    expect(svc.bus.events.map((e) => [e.type, e.data.tenantId, e.data.deliveryId])).toEqual([
      ['delivery.failed', OPS, deliveryIdFor('ep_ops')],
    ]);
    expect(svc.store.allEvents().filter((e) => e.tenantId === OPS)).toEqual([]);
    expect(svc.queues.enqueued).toEqual([]);
  });
});

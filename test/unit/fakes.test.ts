/** The fakes other tests rely on keep the adapters' conditional semantics. */
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ValidationError } from '../../lambdas/domain/errors';
import type { AttemptRecord } from '../../lambdas/domain/ports';
import {
  deliveryFixture,
  endpointFixture,
  eventFixture,
  FakeClock,
  FakeHttp,
  FakeQueues,
  FakeStore,
  httpStatus,
  messageFor,
  T0,
} from '../support/fakes';

const attempt = (number: number, status: AttemptRecord['status'] = 'pending'): AttemptRecord => ({
  attempt: { number, startedAt: new Date(T0).toISOString(), durationMs: 1 },
  status,
  ...(status === 'pending' ? { nextAttemptAt: T0 + 1000, sweepAt: T0 + 2000 } : {}),
});

describe('FakeStore', () => {
  it('createEvent writes the event and deliveries with sweepAt, then answers exists and writes nothing', async () => {
    const store = new FakeStore();
    const d = deliveryFixture({ sweepAt: undefined });
    expect(await store.createEvent(eventFixture(), [d], T0 + 5)).toBe('created');
    expect(store.delivery('dlv_1').sweepAt).toBe(T0 + 5);

    const again = await store.createEvent(
      eventFixture({ body: 'other' }),
      [deliveryFixture({ id: 'dlv_2' })],
      0,
    );
    expect(again).toBe('exists');
    expect(store.allEvents().map((e) => e.body)).not.toContain('other');
    expect(store.allDeliveries().map((x) => x.id)).toEqual(['dlv_1']);
  });

  it('recordAttempt writes only attempt attemptCount + 1 of a pending delivery', async () => {
    const store = new FakeStore(new FakeClock(T0 + 10));
    store.seed({ deliveries: [deliveryFixture()] });

    expect(await store.recordAttempt('dlv_1', attempt(2))).toBe(false);
    expect(await store.recordAttempt('dlv_1', attempt(1))).toBe(true);
    expect(await store.recordAttempt('dlv_1', attempt(1))).toBe(false);
    expect(store.delivery('dlv_1')).toMatchObject({
      attemptCount: 1,
      nextAttemptAt: T0 + 1000,
      sweepAt: T0 + 2000,
      updatedAt: new Date(T0 + 10).toISOString(),
    });

    expect(await store.recordAttempt('dlv_1', attempt(2, 'succeeded'))).toBe(true);
    const final = store.delivery('dlv_1');
    expect(final).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(final).not.toHaveProperty('nextAttemptAt');
    expect(final).not.toHaveProperty('sweepAt');
    expect(await store.recordAttempt('dlv_1', attempt(3))).toBe(false);
    expect(await store.recordAttempt('dlv_missing', attempt(1))).toBe(false);
  });

  it('failDelivery fails only a pending delivery', async () => {
    const store = new FakeStore();
    store.seed({ deliveries: [deliveryFixture(), deliveryFixture({ id: 'dlv_ok', status: 'succeeded' })] });
    expect(await store.failDelivery('dlv_1', 'endpoint was deleted')).toBe(true);
    expect(store.delivery('dlv_1')).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint was deleted',
    });
    expect(store.delivery('dlv_1')).not.toHaveProperty('sweepAt');
    expect(await store.failDelivery('dlv_1', 'again')).toBe(false);
    expect(await store.failDelivery('dlv_ok', 'x')).toBe(false);
  });

  it('listSweepable returns pending deliveries with sweepAt <= now, oldest first, up to limit', async () => {
    const store = new FakeStore();
    store.seed({
      deliveries: [
        deliveryFixture({ id: 'dlv_b', sweepAt: 20 }),
        deliveryFixture({ id: 'dlv_a', sweepAt: 10 }),
        deliveryFixture({ id: 'dlv_late', sweepAt: 31 }),
        deliveryFixture({ id: 'dlv_done', sweepAt: 5, status: 'succeeded' }),
        deliveryFixture({ id: 'dlv_c', sweepAt: 30 }),
      ],
    });
    expect((await store.listSweepable(30, 10)).map((d) => d.id)).toEqual(['dlv_a', 'dlv_b', 'dlv_c']);
    expect((await store.listSweepable(30, 2)).map((d) => d.id)).toEqual(['dlv_a', 'dlv_b']);
  });

  it('rescheduleSweep moves sweepAt only from the expected value of a pending delivery', async () => {
    const store = new FakeStore();
    store.seed({ deliveries: [deliveryFixture({ sweepAt: 100 })] });
    expect(await store.rescheduleSweep('dlv_1', 99, 500)).toBe(false);
    expect(await store.rescheduleSweep('dlv_1', 100, 500)).toBe(true);
    expect(store.delivery('dlv_1').sweepAt).toBe(500);
    await store.failDelivery('dlv_1', 'x');
    expect(await store.rescheduleSweep('dlv_1', 500, 900)).toBe(false);
  });

  it('loadForAttempt reads delivery, endpoint and event of the message tenant', async () => {
    const store = new FakeStore();
    store.seed({ endpoints: [endpointFixture()], events: [eventFixture()], deliveries: [deliveryFixture()] });
    const message = messageFor(deliveryFixture());
    expect(await store.loadForAttempt(message)).toEqual({
      delivery: deliveryFixture(),
      endpoint: endpointFixture(),
      event: eventFixture(),
    });
    expect(await store.loadForAttempt({ ...message, tenantId: 't_other' })).toEqual({
      delivery: deliveryFixture(),
    });
  });

  it('hands out copies: changing a returned record does not change the store', async () => {
    const store = new FakeStore();
    store.seed({ deliveries: [deliveryFixture()] });
    const got = (await store.getDelivery('dlv_1')) as { status: string };
    got.status = 'succeeded';
    expect(store.delivery('dlv_1').status).toBe('pending');
  });

  it('lists endpoints newest first, a page at a time, with a cursor only when more remain', async () => {
    const store = new FakeStore();
    store.seed({
      endpoints: ['ep_1', 'ep_2', 'ep_3']
        .map((id) => endpointFixture({ id }))
        .concat(endpointFixture({ id: 'ep_9', tenantId: 't_2' })),
    });
    const first = await store.listEndpoints('t_1', { limit: 2 });
    expect(first.items.map((e) => e.id)).toEqual(['ep_3', 'ep_2']);
    const second = await store.listEndpoints('t_1', { limit: 2, cursor: first.cursor! });
    expect(second.items.map((e) => e.id)).toEqual(['ep_1']);
    expect(second.cursor).toBeUndefined();
    await expect(store.listEndpoints('t_2', { limit: 2, cursor: first.cursor! })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('updateEndpoint replaces an endpoint only if updatedAt is unchanged; deleteEndpoint says if it existed', async () => {
    const store = new FakeStore();
    const ep = endpointFixture();
    store.seed({ endpoints: [ep] });
    const changed = { ...ep, description: 'new', updatedAt: 'later' };
    expect(await store.updateEndpoint(changed, 'stale')).toBe(false);
    expect(await store.updateEndpoint(changed, ep.updatedAt)).toBe(true);
    expect((await store.getEndpoint('t_1', 'ep_1'))?.description).toBe('new');
    expect(await store.deleteEndpoint('t_1', 'ep_1')).toBe(true);
    expect(await store.deleteEndpoint('t_1', 'ep_1')).toBe(false);
    expect(await store.updateEndpoint(changed, 'later')).toBe(false);
  });

  it('createDelivery writes a new delivery with sweepAt and refuses an existing id', async () => {
    const store = new FakeStore();
    await store.createDelivery(deliveryFixture({ sweepAt: undefined }), 77);
    expect(store.delivery('dlv_1').sweepAt).toBe(77);
    await expect(store.createDelivery(deliveryFixture(), 1)).rejects.toThrow(/already exists/);
  });

  it('recoverDelivery turns only a failed delivery pending, keeping its attempts as the offset', async () => {
    const store = new FakeStore();
    store.seed({
      deliveries: [
        deliveryFixture({ status: 'failed', attemptCount: 6, failureReason: 'gave up', sweepAt: undefined }),
        deliveryFixture({ id: 'dlv_p' }),
      ],
    });
    expect(await store.recoverDelivery('dlv_p', T0, T0 + 1)).toBe(false);
    expect(await store.recoverDelivery('dlv_1', T0 + 5, T0 + 6)).toBe(true);
    const recovered = store.delivery('dlv_1');
    expect(recovered).toMatchObject({
      status: 'pending',
      attemptCount: 6,
      attemptOffset: 6,
      nextAttemptAt: T0 + 5,
      sweepAt: T0 + 6,
    });
    expect(recovered).not.toHaveProperty('failureReason');
    expect(await store.recoverDelivery('dlv_1', T0, T0)).toBe(false);
  });

  it('lists deliveries of an endpoint or an event, newest first, filtered, a page at a time', async () => {
    const store = new FakeStore();
    store.seed({
      deliveries: [
        deliveryFixture({ id: 'dlv_1', endpointId: 'ep_a', eventId: 'evt_1' }),
        deliveryFixture({ id: 'dlv_2', endpointId: 'ep_b', eventId: 'evt_1', status: 'failed' }),
        deliveryFixture({ id: 'dlv_3', endpointId: 'ep_a', eventId: 'evt_2', status: 'succeeded' }),
        deliveryFixture({ id: 'dlv_4', endpointId: 'ep_a', eventId: 'evt_3' }),
        deliveryFixture({ id: 'dlv_5', endpointId: 'ep_a', eventId: 'evt_4', tenantId: 't_2' }),
      ],
    });
    const ids = async (query: Parameters<FakeStore['listDeliveries']>[0]) =>
      (await store.listDeliveries(query)).items.map((d) => d.id);

    expect(await ids({ tenantId: 't_1', endpointId: 'ep_a', limit: 10 })).toEqual([
      'dlv_4',
      'dlv_3',
      'dlv_1',
    ]);
    expect(await ids({ tenantId: 't_1', eventId: 'evt_1', limit: 10 })).toEqual(['dlv_2', 'dlv_1']);
    expect(await ids({ tenantId: 't_1', endpointId: 'ep_a', status: 'pending', limit: 10 })).toEqual([
      'dlv_4',
      'dlv_1',
    ]);
    expect(await ids({ tenantId: 't_1', endpointId: 'ep_a', fromId: 'dlv_3', limit: 10 })).toEqual([
      'dlv_4',
      'dlv_3',
    ]);

    const first = await store.listDeliveries({ tenantId: 't_1', endpointId: 'ep_a', limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(['dlv_4', 'dlv_3']);
    const second = await store.listDeliveries({
      tenantId: 't_1',
      endpointId: 'ep_a',
      limit: 2,
      cursor: first.cursor!,
    });
    expect(second.items.map((d) => d.id)).toEqual(['dlv_1']);
    expect(second.cursor).toBeUndefined();
    await expect(
      store.listDeliveries({ tenantId: 't_1', eventId: 'evt_1', limit: 2, cursor: first.cursor! }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('fails on command, a given number of times or until recover', async () => {
    const store = new FakeStore();
    store.fail('getDelivery', undefined, 1);
    await expect(store.getDelivery('x')).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await store.getDelivery('x')).toBeUndefined();
    store.fail('getDelivery', new Error('down'));
    await expect(store.getDelivery('x')).rejects.toThrow('down');
    await expect(store.getDelivery('x')).rejects.toThrow('down');
    store.recover();
    expect(await store.getDelivery('x')).toBeUndefined();
  });
});

describe('FakeQueues', () => {
  const message = messageFor(deliveryFixture());

  it('records every call', async () => {
    const queues = new FakeQueues();
    await queues.enqueue([message, { ...message, deliveryId: 'dlv_2' }]);
    await queues.delay(message, 900);
    await queues.deadLetter(message, 'why');
    await queues.hold('rh', 43_200);
    expect(queues.enqueueCalls).toHaveLength(1);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual(['dlv_1', 'dlv_2']);
    expect(queues.delayed).toEqual([{ message, delaySeconds: 900 }]);
    expect(queues.deadLettered).toEqual([{ message, reason: 'why' }]);
    expect(queues.held).toEqual([{ receiptHandle: 'rh', seconds: 43_200 }]);
  });

  it('refuses what SQS refuses: timers over 900 s, fractional seconds, visibility over 12 h', async () => {
    const queues = new FakeQueues();
    await expect(queues.delay(message, 901)).rejects.toThrow(RangeError);
    await expect(queues.delay(message, 1.5)).rejects.toThrow(RangeError);
    await expect(queues.delay(message, -1)).rejects.toThrow(RangeError);
    await expect(queues.hold('rh', 43_201)).rejects.toThrow(RangeError);
    expect(queues.delayed).toEqual([]);
    expect(queues.held).toEqual([]);
  });

  it('fails on command and records nothing for a failed call', async () => {
    const queues = new FakeQueues();
    queues.fail('enqueue');
    await expect(queues.enqueue([message])).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(queues.enqueued).toEqual([]);
    queues.recover();
    await queues.enqueue([message]);
    expect(queues.enqueued).toHaveLength(1);
  });
});

describe('FakeHttp', () => {
  it('answers 200 by default and records the calls', async () => {
    const http = new FakeHttp();
    expect(await http.post('https://x', { a: 'b' }, '{}', 1000)).toEqual(httpStatus(200));
    expect(http.calls).toEqual([{ url: 'https://x', headers: { a: 'b' }, body: '{}', timeoutMs: 1000 }]);
  });

  it('answers from a list, one per call, and throws when it runs out', async () => {
    const http = new FakeHttp([httpStatus(500), httpStatus(200)]);
    expect((await http.post('https://x', {}, '', 1)).kind).toBe('response');
    expect(await http.post('https://x', {}, '', 1)).toEqual(httpStatus(200));
    await expect(http.post('https://x', {}, '', 1)).rejects.toThrow(/no scripted outcome left for call 3/);
  });

  it('answers from a function of the call', async () => {
    const http = new FakeHttp((call, index) => httpStatus(call.url.endsWith('/bad') ? 410 : 200 + index));
    expect(await http.post('https://x/bad', {}, '', 1)).toEqual(httpStatus(410));
    expect(await http.post('https://x/ok', {}, '', 1)).toEqual(httpStatus(201));
  });
});

describe('FakeClock', () => {
  it('starts at T0 and moves only when told', () => {
    const clock = new FakeClock();
    expect(clock.now()).toBe(Date.parse('2025-01-01T00:00:00.000Z'));
    clock.advance(1500);
    expect(clock.now()).toBe(T0 + 1500);
    clock.set(42);
    expect(clock.now()).toBe(42);
  });
});

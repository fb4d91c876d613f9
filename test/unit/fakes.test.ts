/**
 * What the fakes do beyond the store contract (test/contract, run on the fake by store-fake.test.ts):
 * test helpers, copies, failure switches, call records, and the SQS rules FakeQueues shares with the
 * adapter.
 */
import { describe, expect, it } from 'vitest';
import { hopSeconds } from '../../lambdas/adapters/sqs-queues';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { AttemptRecord } from '../../lambdas/domain/ports';
import {
  deliveryFixture,
  deliveryIdFor,
  endpointFixture,
  eventFixture,
  FakeClock,
  FakeHttp,
  FakeQueues,
  FakeStore,
  fakeService,
  httpStatus,
  messageFor,
  T0,
} from '../support/fakes';

const DLV = deliveryIdFor('ep_1');
const ref = {
  id: DLV,
  tenantId: 't_1',
  eventId: 'evt_1',
  eventType: 'order.created',
  endpointId: 'ep_1',
  createdAt: new Date(T0).toISOString(),
};
const attempt = (number: number, status: AttemptRecord['status'] = 'pending'): AttemptRecord => ({
  attempt: { number, startedAt: new Date(T0).toISOString(), durationMs: 1 },
  status,
  attemptOffset: 0,
  ...(status === 'pending' ? { nextAttemptAt: T0 + 1000, sweepAt: T0 + 2000 } : {}),
});

describe('FakeStore helpers', () => {
  it('seeds a delivery as if its attempts had been recorded, readable through the port', async () => {
    const store = new FakeStore(new FakeClock());
    const attempts = [1, 2, 3].map((n) => attempt(n).attempt);
    store.seed({ deliveries: [deliveryFixture({ attemptCount: 3, attempts })] });
    expect((await store.getDelivery('t_1', DLV))?.attempts).toEqual(attempts);
    expect(await store.getDeliveryState('t_1', DLV)).toMatchObject({ status: 'pending', attemptCount: 3 });
    expect(store.delivery(DLV)).toMatchObject({ attemptCount: 3, round: 0, sweepAt: T0 + 15 * 60_000 });
    // The next attempt is 4; a copy of 3 is refused.
    expect(await store.recordAttempt(ref, attempt(3))).toBe(false);
    expect(await store.recordAttempt(ref, attempt(4, 'succeeded'))).toBe(true);
  });

  it('delivery() throws a clear error for a delivery with no record; hasDelivery says so', async () => {
    const store = new FakeStore();
    expect(store.hasDelivery(DLV)).toBe(false);
    expect(() => store.delivery(DLV)).toThrow(`FakeStore: no delivery ${DLV}`);
    await store.recordAttempt(ref, attempt(1));
    expect(store.hasDelivery(DLV)).toBe(true);
  });

  it('hands out copies: changing a returned or given record does not change the store', async () => {
    const store = new FakeStore();
    const endpoint = endpointFixture();
    await store.createEndpoint(endpoint, 50);
    (endpoint as { url: string }).url = 'https://changed.example.com';
    const got = (await store.getEndpoint('t_1', 'ep_1')) as { url: string };
    expect(got.url).toBe('https://hooks.example.com/yumkiosk');
    got.url = 'https://changed.example.com';
    expect((await store.getEndpoint('t_1', 'ep_1'))?.url).toBe('https://hooks.example.com/yumkiosk');
  });

  it('records every call with its arguments, in order', async () => {
    const store = new FakeStore();
    await store.getEndpoint('t_1', 'ep_1', { consistent: false });
    await store.putEvent(eventFixture());
    expect(store.methodsCalled()).toEqual(['getEndpoint', 'putEvent']);
    expect(store.calls[0]).toEqual({ method: 'getEndpoint', args: ['t_1', 'ep_1', { consistent: false }] });
  });

  it('fails on command, a given number of times or until recover, changing nothing', async () => {
    const store = new FakeStore(new FakeClock());
    store.fail('putEvent', undefined, 1);
    await expect(store.putEvent(eventFixture())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(store.allEvents()).toEqual([]);
    expect(await store.putEvent(eventFixture())).toBe('created');
    store.fail('getEvent', new Error('down'));
    await expect(store.getEvent('t_1', 'evt_1')).rejects.toThrow('down');
    await expect(store.getEvent('t_1', 'evt_1')).rejects.toThrow('down');
    store.recover();
    expect(await store.getEvent('t_1', 'evt_1')).toBeDefined();
  });

  it('finds a delivery only by an id that names its endpoint, as the adapter does', async () => {
    const store = new FakeStore();
    await store.recordAttempt({ ...ref, id: 'dlv_1' }, attempt(1));
    expect(await store.getDelivery('t_1', 'dlv_1')).toBeUndefined();
  });
});

describe('FakeQueues', () => {
  const message = messageFor(deliveryFixture());

  it('records every call', async () => {
    const queues = new FakeQueues(new FakeClock());
    const other = { ...message, deliveryId: deliveryIdFor('ep_1', 2) };
    await queues.enqueue([message, other]);
    await queues.delay({ ...message, dueAt: T0 + 900_000 });
    await queues.deadLetter(message, 'why');
    await queues.deadLetter({ raw: 'junk' }, 'unprocessable');
    await queues.holdUntil('rh', T0 + 43_200_000);
    await queues.release(['rh-2', 'rh-3']);
    expect(queues.released).toEqual([['rh-2', 'rh-3']]);
    expect(queues.enqueueCalls).toHaveLength(1);
    expect(queues.enqueued.map((m) => m.deliveryId)).toEqual([DLV, other.deliveryId]);
    expect(queues.delayed).toEqual([
      { message: { ...message, dueAt: T0 + 900_000 }, dueAt: T0 + 900_000, delaySeconds: 900 },
    ]);
    expect(queues.deadLettered).toEqual([
      { message, reason: 'why' },
      { message: { raw: 'junk' }, reason: 'unprocessable' },
    ]);
    expect(queues.held).toEqual([{ receiptHandle: 'rh', until: T0 + 43_200_000, seconds: 43_200 }]);
  });

  it('turns due times into timers as the SQS adapter does: rounded up, 0 to 900 s', async () => {
    const clock = new FakeClock();
    const queues = new FakeQueues(clock);
    const offsets = [-5000, 0, 1, 999, 1000, 1001, 90_500, 899_999, 900_000, 900_001, 3_600_000];
    for (const offset of offsets) await queues.delay({ ...message, dueAt: T0 + offset });
    expect(queues.delayed.map((d) => d.delaySeconds)).toEqual(offsets.map((o) => hopSeconds(T0 + o, T0)));
    expect(queues.delayed.map((d) => d.delaySeconds)).toEqual([0, 0, 1, 1, 1, 2, 91, 900, 900, 900, 900]);
  });

  it('caps a hold at the 12 h visibility limit and never goes below 0', async () => {
    const queues = new FakeQueues(new FakeClock());
    await queues.holdUntil('a', T0 + 24 * 3_600_000);
    await queues.holdUntil('b', T0 - 1000);
    await queues.holdUntil('c', T0 + 1500);
    expect(queues.held.map((h) => h.seconds)).toEqual([43_200, 0, 2]);
  });

  it('refuses what SQS refuses: a body over 1 MiB, a due time that is not a time', async () => {
    const queues = new FakeQueues(new FakeClock());
    await expect(queues.enqueue([{ ...message, body: 'x'.repeat(1024 * 1024) }])).rejects.toThrow(/over SQS/);
    await expect(queues.delay({ ...message, dueAt: Number.NaN })).rejects.toThrow(RangeError);
    await expect(queues.holdUntil('rh', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(queues.enqueued).toEqual([]);
    expect(queues.delayed).toEqual([]);
    expect(queues.held).toEqual([]);
  });

  it('tells what the FIFO queue keeps once SQS drops copies with the same deduplication id', async () => {
    const queues = new FakeQueues(new FakeClock());
    await queues.enqueue([message, message, { ...message, round: 1 }]);
    expect(queues.enqueued).toHaveLength(3);
    expect(queues.deduplicated()).toEqual([message, { ...message, round: 1 }]);
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

describe('fakeService', () => {
  it('reads endpoints for the delivery path eventually consistent, uncached by default', async () => {
    const service = fakeService();
    service.store.seed({ endpoints: [endpointFixture()] });
    await service.endpoints('t_1', 'ep_1');
    await service.endpoints('t_1', 'ep_1');
    expect(service.store.calls).toEqual([
      { method: 'getEndpoint', args: ['t_1', 'ep_1', { consistent: false }] },
      { method: 'getEndpoint', args: ['t_1', 'ep_1', { consistent: false }] },
    ]);
  });

  it('caches endpoints when the settings ask for it, on the shared clock', async () => {
    const service = fakeService({ settings: { endpointCacheTtlMs: 5000 } });
    service.store.seed({ endpoints: [endpointFixture()] });
    await service.endpoints('t_1', 'ep_1');
    await service.endpoints('t_1', 'ep_1');
    service.clock.advance(5000);
    await service.endpoints('t_1', 'ep_1');
    expect(service.store.methodsCalled()).toEqual(['getEndpoint', 'getEndpoint']);
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

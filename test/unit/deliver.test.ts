import { describe, expect, it } from 'vitest';
import { type AttemptReport, type DelivererDeps, handleDeliveryMessage } from '../../lambdas/domain/deliver';
import { PoisonMessageError } from '../../lambdas/domain/errors';
import type { Attempt, Delivery, DeliveryMessage, Endpoint } from '../../lambdas/domain/model';
import type { HttpOutcome } from '../../lambdas/domain/ports';
import type { ServiceSettings } from '../../lambdas/domain/settings';
import { hmacHex } from '../../lambdas/domain/signature';
import {
  deliveryFixture,
  endpointFixture,
  eventFixture,
  FakeClock,
  FakeHttp,
  FakeQueues,
  FakeStore,
  type HttpScript,
  httpError,
  httpStatus,
  messageFor,
  T0,
  testSettings,
} from '../support/fakes';

const GRACE = testSettings().sweepGraceMs;
const RECEIPT = 'receipt-1';

/** A finished attempt, for deliveries that already have some. */
const pastAttempt = (number: number): Attempt => ({
  number,
  startedAt: new Date(T0 - 60_000).toISOString(),
  durationMs: 5,
  responseStatus: 500,
  errorClass: 'http_status',
});

function setup(
  options: {
    endpoint?: Partial<Endpoint> | 'deleted';
    delivery?: Partial<Delivery>;
    message?: Partial<DeliveryMessage>;
    http?: HttpScript | readonly HttpOutcome[];
    settings?: Partial<ServiceSettings>;
    random?: () => number;
    clock?: FakeClock;
    store?: FakeStore;
  } = {},
) {
  const clock = options.clock ?? new FakeClock(T0);
  const store = options.store ?? new FakeStore(clock);
  const queues = new FakeQueues();
  const http = new FakeHttp(options.http ?? [httpStatus(200)]);
  const endpoint = options.endpoint === 'deleted' ? undefined : endpointFixture(options.endpoint);
  const event = eventFixture();
  const delivery = deliveryFixture(options.delivery);
  store.seed({ endpoints: endpoint ? [endpoint] : [], events: [event], deliveries: [delivery] });
  const message = messageFor(delivery, { ordering: endpoint?.ordering ?? 'sequential', ...options.message });
  const reports: AttemptReport[] = [];
  const deps: DelivererDeps = {
    store,
    queues,
    http,
    clock,
    settings: testSettings(options.settings),
    onAttempt: (report) => reports.push(report),
    ...(options.random ? { random: options.random } : {}),
  };
  const run = (body = JSON.stringify(message)) =>
    handleDeliveryMessage(deps, { body, receiptHandle: RECEIPT });
  return { clock, store, queues, http, event, delivery, message, reports, run };
}

function expectNoQueueCalls(queues: FakeQueues) {
  expect(queues.enqueued).toEqual([]);
  expect(queues.delayed).toEqual([]);
  expect(queues.deadLettered).toEqual([]);
  expect(queues.held).toEqual([]);
}

describe('handleDeliveryMessage: a 2xx answer', () => {
  it('records attempt 1 as succeeded and acknowledges the message', async () => {
    const { store, queues, reports, run } = setup({ http: [httpStatus(204, { body: 'thanks' })] });

    expect(await run()).toBe('ack');

    const stored = store.delivery('dlv_1');
    expect(stored).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect(stored.nextAttemptAt).toBeUndefined();
    expect(stored.sweepAt).toBeUndefined();
    expect(stored.attempts).toEqual([
      {
        number: 1,
        startedAt: new Date(T0).toISOString(),
        durationMs: 0,
        requestHeaders: expect.objectContaining({ 'YumKiosk-Signature': `t=${T0 / 1000},v1=…` }),
        responseStatus: 204,
        responseBody: 'thanks',
      },
    ]);
    expect(reports.map((r) => r.outcome)).toEqual(['succeeded']);
    expectNoQueueCalls(queues);
  });

  it('POSTs the stored event body, signed with the endpoint secret, with the configured timeout', async () => {
    const { http, event, run } = setup({ settings: { deliveryTimeoutMs: 7000 } });
    await run();

    expect(http.calls).toHaveLength(1);
    const [call] = http.calls;
    expect(call).toEqual({
      url: 'https://hooks.example.com/yumkiosk',
      body: event.body,
      timeoutMs: 7000,
      headers: {
        'Content-Type': 'application/json',
        'YumKiosk-Signature': `t=${T0 / 1000},v1=${hmacHex('whsec_test', T0 / 1000, event.body)}`,
        'YumKiosk-Event': 'order.created',
        'YumKiosk-Delivery': 'dlv_1',
        'User-Agent': 'YumKiosk-Webhook/1.0',
      },
    });
  });

  it('records how long the attempt took', async () => {
    const clock = new FakeClock(T0);
    const { store, run } = setup({
      clock,
      http: () => {
        clock.advance(250);
        return httpStatus(200);
      },
    });
    await run();
    expect(store.delivery('dlv_1').attempts[0]).toMatchObject({
      startedAt: new Date(T0).toISOString(),
      durationMs: 250,
    });
  });
});

describe('handleDeliveryMessage: a failed attempt on a sequential endpoint', () => {
  it('sends attempt 2 to the retry queue, due after the first delay, and records the delivery pending', async () => {
    const { store, queues, reports, message, run } = setup({ http: [httpStatus(500, { body: 'oops' })] });

    expect(await run()).toBe('ack');

    expect(queues.delayed).toEqual([
      { message: { ...message, attempt: 2, dueAt: T0 + 1000 }, delaySeconds: 1 },
    ]);
    const stored = store.delivery('dlv_1');
    expect(stored).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: T0 + 1000,
      sweepAt: T0 + 1000 + GRACE,
    });
    expect(stored.attempts[0]).toMatchObject({
      number: 1,
      responseStatus: 500,
      responseBody: 'oops',
      errorClass: 'http_status',
    });
    expect(reports).toEqual([
      expect.objectContaining({ outcome: 'retry_scheduled', nextAttemptAt: T0 + 1000 }),
    ]);
    expect(queues.held).toEqual([]);
    expect(queues.deadLettered).toEqual([]);
  });

  it('counts the delay from the end of the attempt', async () => {
    const clock = new FakeClock(T0);
    const { queues, store, run } = setup({
      clock,
      http: () => {
        clock.advance(3000);
        return httpError('timeout', 'no answer in 10 s');
      },
    });
    await run();
    expect(queues.delayed[0]).toMatchObject({ message: { dueAt: T0 + 4000 }, delaySeconds: 1 });
    expect(store.delivery('dlv_1').attempts[0]).toMatchObject({
      errorClass: 'timeout',
      errorMessage: 'no answer in 10 s',
      durationMs: 3000,
    });
  });

  it.each([301, 302, 304, 307, 308])('treats a %i redirect as a failure', async (status) => {
    const { queues, store, run } = setup({ http: [httpStatus(status)] });
    expect(await run()).toBe('ack');
    expect(queues.delayed).toHaveLength(1);
    expect(store.delivery('dlv_1')).toMatchObject({ status: 'pending', attemptCount: 1 });
  });

  it.each([100, 199, 300, 400, 404, 410, 500, 599])('treats status %i as a failure', async (status) => {
    const { store, run } = setup({ http: [httpStatus(status)] });
    await run();
    expect(store.delivery('dlv_1').status).toBe('pending');
    expect(store.delivery('dlv_1').attempts[0]?.errorClass).toBe('http_status');
  });

  it.each(['timeout', 'dns', 'connection', 'tls', 'blocked_target'] as const)(
    'records a %s error and schedules a retry',
    async (errorClass) => {
      const { queues, store, run } = setup({ http: [httpError(errorClass, 'went wrong')] });
      await run();
      expect(queues.delayed).toHaveLength(1);
      expect(store.delivery('dlv_1').attempts[0]).toMatchObject({ errorClass, errorMessage: 'went wrong' });
      expect(store.delivery('dlv_1').attempts[0]?.responseStatus).toBeUndefined();
    },
  );

  it('splits a wait longer than the 900 s SQS timer: the first hop is 900 s, dueAt is the real time', async () => {
    const { queues, run } = setup({
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [3_600_000], jitter: 0 } },
    });
    await run();
    expect(queues.delayed).toEqual([
      { message: expect.objectContaining({ attempt: 2, dueAt: T0 + 3_600_000 }), delaySeconds: 900 },
    ]);
  });

  it('uses the injected random for jitter', async () => {
    const { queues, run } = setup({
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [1000], jitter: 0.5 } },
      random: () => 1,
    });
    await run();
    expect(queues.delayed[0]).toMatchObject({ message: { dueAt: T0 + 1500 }, delaySeconds: 2 });
  });

  it('retries after 429 no sooner than Retry-After, capped at twice the scheduled delay', async () => {
    const { queues, store, run } = setup({ http: [httpStatus(429, { retryAfter: '5' })] });
    await run();
    // Schedule says 1 s, the receiver asks for 5 s: 2 s is the most one receiver can add.
    expect(queues.delayed).toEqual([
      { message: expect.objectContaining({ attempt: 2, dueAt: T0 + 2000 }), delaySeconds: 2 },
    ]);
    expect(store.delivery('dlv_1').nextAttemptAt).toBe(T0 + 2000);
  });

  it('honours Retry-After within the cap on 503', async () => {
    const { queues, run } = setup({
      http: [httpStatus(503, { retryAfter: '2' })],
      settings: { retry: { delaysMs: [1500], jitter: 0 } },
    });
    await run();
    expect(queues.delayed[0]?.message.dueAt).toBe(T0 + 2000);
  });

  it('ignores Retry-After on other statuses', async () => {
    const { queues, run } = setup({ http: [httpStatus(500, { retryAfter: '2' })] });
    await run();
    expect(queues.delayed[0]?.message.dueAt).toBe(T0 + 1000);
  });
});

describe('handleDeliveryMessage: the last attempt fails', () => {
  const exhausted = {
    delivery: { attemptCount: 3, attempts: [1, 2, 3].map(pastAttempt), nextAttemptAt: T0 },
    http: [httpStatus(500)],
  };

  it('dead-letters the message with the reason and records the delivery failed', async () => {
    const { store, queues, reports, message, run } = setup(exhausted);
    expect(message.attempt).toBe(4);

    expect(await run()).toBe('ack');

    expect(queues.deadLettered).toEqual([{ message, reason: 'gave up after 4 attempts' }]);
    expect(queues.delayed).toEqual([]);
    const stored = store.delivery('dlv_1');
    expect(stored).toMatchObject({
      status: 'failed',
      attemptCount: 4,
      failureReason: 'gave up after 4 attempts',
    });
    expect(stored.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4]);
    expect(stored.nextAttemptAt).toBeUndefined();
    expect(stored.sweepAt).toBeUndefined();
    expect(reports.map((r) => r.outcome)).toEqual(['failed']);
  });

  it('gives up on a strict endpoint the same way, without holding the message', async () => {
    // A strict endpoint keeps one message (attempt 1) for every attempt; the DLQ copy names the last one.
    const { store, queues, run } = setup({
      ...exhausted,
      endpoint: { ordering: 'strict' },
      message: { attempt: 1 },
    });
    expect(await run()).toBe('ack');
    expect(queues.deadLettered).toEqual([
      {
        message: expect.objectContaining({ attempt: 4, ordering: 'strict' }),
        reason: 'gave up after 4 attempts',
      },
    ]);
    expect(queues.held).toEqual([]);
    expect(store.delivery('dlv_1').status).toBe('failed');
  });
});

describe('handleDeliveryMessage: a recovered delivery', () => {
  // Recovered after giving up at attempt 4: attempts 5 to 8 follow the whole schedule again.
  const recovered = (attemptCount: number) => ({
    delivery: {
      attemptCount,
      attemptOffset: 4,
      attempts: Array.from({ length: attemptCount }, (_, i) => pastAttempt(i + 1)),
      nextAttemptAt: T0,
    },
    http: [httpStatus(500)],
  });

  it('retries on the schedule from its start', async () => {
    const { queues, store, run } = setup(recovered(4));
    await run();
    expect(queues.delayed).toEqual([
      { message: expect.objectContaining({ attempt: 6, dueAt: T0 + 1000 }), delaySeconds: 1 },
    ]);
    expect(store.delivery('dlv_1')).toMatchObject({ status: 'pending', attemptCount: 5 });
  });

  it('gives up when the new round has used up the schedule, counting every attempt', async () => {
    const { queues, store, run } = setup(recovered(7));
    await run();
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['gave up after 8 attempts']);
    expect(store.delivery('dlv_1')).toMatchObject({ status: 'failed', attemptCount: 8 });
  });
});

describe('handleDeliveryMessage: messages with nothing to do', () => {
  it.each([1, 2])(
    'acknowledges a stale message for attempt %i of a delivery with 2 attempts, no HTTP',
    async (attempt) => {
      const { http, queues, store, run } = setup({
        delivery: { attemptCount: 2, attempts: [1, 2].map(pastAttempt), nextAttemptAt: T0 + 60_000 },
        message: { attempt },
      });
      expect(await run()).toBe('ack');
      expect(http.calls).toEqual([]);
      expectNoQueueCalls(queues);
      expect(store.delivery('dlv_1').attemptCount).toBe(2);
    },
  );

  it.each(['succeeded', 'failed'] as const)(
    'acknowledges a message of a %s delivery, no HTTP',
    async (status) => {
      const { http, queues, run } = setup({
        delivery: {
          status,
          attemptCount: 1,
          attempts: [pastAttempt(1)],
          nextAttemptAt: undefined,
          sweepAt: undefined,
        },
        message: { attempt: 2 },
      });
      expect(await run()).toBe('ack');
      expect(http.calls).toEqual([]);
      expectNoQueueCalls(queues);
    },
  );
});

describe('handleDeliveryMessage: poison messages', () => {
  // A poison message is made visible again at once (hold 0 s): it can never succeed, so it should use up
  // its receives and reach the DLQ by redrive rather than hold its group.
  it('throws PoisonMessageError and releases the message at once when the delivery is missing', async () => {
    const { http, queues, run, message } = setup();
    const body = JSON.stringify({ ...message, deliveryId: 'dlv_gone' });
    await expect(run(body)).rejects.toThrow(PoisonMessageError);
    await expect(run(body)).rejects.toThrow(/dlv_gone/);
    expect(queues.held[0]).toEqual({ receiptHandle: RECEIPT, seconds: 0 });
    expect(http.calls).toEqual([]);
  });

  it('throws PoisonMessageError when the event is missing', async () => {
    const { queues, run, message } = setup();
    await expect(run(JSON.stringify({ ...message, eventId: 'evt_gone' }))).rejects.toThrow(
      PoisonMessageError,
    );
    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, seconds: 0 }]);
  });

  it.each([
    ['not JSON', 'not json'],
    ['an unknown version', JSON.stringify({ ...messageFor(deliveryFixture()), v: 2 })],
    ['attempt 0', JSON.stringify(messageFor(deliveryFixture(), { attempt: 0 }))],
    ['a missing delivery id', JSON.stringify({ ...messageFor(deliveryFixture()), deliveryId: undefined })],
    ['a JSON array', '[]'],
  ])('throws PoisonMessageError for a body that is %s, and releases it at once', async (_name, body) => {
    const { http, queues, run } = setup();
    await expect(run(body)).rejects.toThrow(PoisonMessageError);
    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, seconds: 0 }]);
    expect(http.calls).toEqual([]);
  });
});

describe('handleDeliveryMessage: strict ordering', () => {
  it('holds the message for the retry delay and reports it failed, so the group waits', async () => {
    const { store, queues, reports, run } = setup({
      endpoint: { ordering: 'strict' },
      http: [httpStatus(500)],
      settings: { retry: { delaysMs: [2500, 5000], jitter: 0 } },
    });

    expect(await run()).toBe('retry');

    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, seconds: 3 }]);
    expect(queues.delayed).toEqual([]);
    expect(store.delivery('dlv_1')).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: T0 + 2500,
      sweepAt: T0 + 2500 + GRACE,
    });
    expect(reports.map((r) => r.outcome)).toEqual(['retry_scheduled']);
  });

  it.each([
    [5500, 6],
    [1001, 2],
  ])(
    'holds a message back %i ms before its retry is due for the time remaining (%i s), without HTTP',
    async (earlyMs, seconds) => {
      const { http, queues, store, run } = setup({
        endpoint: { ordering: 'strict' },
        delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + earlyMs },
        message: { attempt: 1 },
      });
      expect(await run()).toBe('retry');
      expect(queues.held).toEqual([{ receiptHandle: RECEIPT, seconds }]);
      expect(http.calls).toEqual([]);
      expect(store.delivery('dlv_1').attemptCount).toBe(1);
    },
  );

  it('holds at most the 12 h SQS visibility limit', async () => {
    const { queues, run } = setup({
      endpoint: { ordering: 'strict' },
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + 24 * 3_600_000 },
      message: { attempt: 1 },
    });
    expect(await run()).toBe('retry');
    expect(queues.held).toEqual([{ receiptHandle: RECEIPT, seconds: 43_200 }]);
  });

  it('treats a message back up to 1 s early as due, and makes the next attempt', async () => {
    const { http, store, run } = setup({
      endpoint: { ordering: 'strict' },
      delivery: { attemptCount: 1, attempts: [pastAttempt(1)], nextAttemptAt: T0 + 1000 },
      message: { attempt: 1 },
    });
    // The strict message keeps its original attempt number; the attempt made is attemptCount + 1.
    expect(await run()).toBe('ack');
    expect(http.calls).toHaveLength(1);
    expect(store.delivery('dlv_1')).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });
});

describe('handleDeliveryMessage: endpoint gone or disabled', () => {
  it('dead-letters and fails the delivery when the endpoint was deleted, without HTTP', async () => {
    const { http, queues, store, message, run } = setup({ endpoint: 'deleted' });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered).toEqual([{ message, reason: 'endpoint was deleted' }]);
    expect(store.delivery('dlv_1')).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint was deleted',
      attemptCount: 0,
    });
  });

  it('dead-letters and fails the delivery when the endpoint is disabled, without HTTP', async () => {
    const { http, queues, store, run } = setup({ endpoint: { status: 'disabled' } });
    expect(await run()).toBe('ack');
    expect(http.calls).toEqual([]);
    expect(queues.deadLettered.map((d) => d.reason)).toEqual(['endpoint is disabled']);
    expect(store.delivery('dlv_1')).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint is disabled',
    });
  });
});

describe('handleDeliveryMessage: another worker recorded the attempt first', () => {
  /** An HTTP script during which a concurrent copy of the message records attempt 1 as succeeded. */
  const racedBy = (store: FakeStore, outcome: HttpOutcome) => async () => {
    await store.recordAttempt('dlv_1', {
      attempt: { number: 1, startedAt: new Date(T0).toISOString(), durationMs: 1, responseStatus: 200 },
      status: 'succeeded',
    });
    return outcome;
  };

  it('acknowledges without reporting an attempt when recordAttempt finds the delivery moved on', async () => {
    const store = new FakeStore();
    const { reports, queues, run } = setup({ store, http: racedBy(store, httpStatus(200)) });

    expect(await run()).toBe('ack');
    expect(reports).toEqual([]);
    expectNoQueueCalls(queues);
    expect(store.delivery('dlv_1').attempts).toHaveLength(1);
  });

  it('on a strict endpoint, acknowledges and does not hold when the failure cannot be recorded', async () => {
    const store = new FakeStore();
    const { reports, queues, run } = setup({
      store,
      endpoint: { ordering: 'strict' },
      http: racedBy(store, httpStatus(500)),
    });

    expect(await run()).toBe('ack');
    expect(reports).toEqual([]);
    expect(queues.held).toEqual([]);
    expect(store.delivery('dlv_1')).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });
});

describe('handleDeliveryMessage: a message that carries the event', () => {
  it('sends the carried bytes and does not need the event item', async () => {
    const store = new FakeStore(new FakeClock(T0));
    const carried =
      '{"id":"evt_carried","event":"order.created","created_at":"2025-01-01T00:00:00.000Z","data":{}}';
    const { http, run, event } = setup({ store, message: { eventType: 'order.created', body: carried } });
    const loads: unknown[] = [];
    const original = store.loadForAttempt.bind(store);
    store.loadForAttempt = (message: DeliveryMessage, options?: { withEvent?: boolean }) => {
      loads.push(options);
      return original(message, options);
    };
    expect(await run()).toBe('ack');
    expect(loads).toEqual([{ withEvent: false }]);
    expect(http.calls).toHaveLength(1);
    // The carried bytes, not the stored event's.
    expect(http.calls[0]!.body).toBe(carried);
    expect(http.calls[0]!.body).not.toBe(event.body);
  });
});
